// The wizard's IPC contract: channel names, request and response shapes, and the events pushed to the
// page. Plain JSON only, so the same contract works over Electron's ipcMain/ipcRenderer and over the
// HTTP + Server-Sent Events bridge of the browser demo. Both sides parse what they receive: the main
// process parses requests (the renderer is the less trusted side, as in Electron's security model),
// the page parses responses and events. Browser-safe: imports nothing but zod.
import { z } from 'zod'
import { WIZARD_CHANNELS, type WizardChannel } from './ipc-channels.js'

export {
  isWizardChannel,
  type RawWizardBridge,
  WIZARD_CHANNELS,
  WIZARD_EVENT_CHANNEL,
  type WizardChannel,
} from './ipc-channels.js'
export const WizardChannelSchema = z.enum(WIZARD_CHANNELS)

const ServiceSchema = z.enum(['imap', 'pop3', 'submission'])
const TransportSchema = z.enum(['implicit-tls', 'starttls'])
const SessionIdSchema = z.uuid()
const text = (max: number) => z.string().max(max)

// ---- requests (parsed by the main process) ----

export const DiscoverRequestSchema = z.strictObject({ email: text(320) })
/** One server as typed into the manual-entry form; setup's manualCandidate() checks the host name. */
export const ManualServerSchema = z.strictObject({
  service: ServiceSchema,
  host: text(254),
  port: z.int().min(1).max(65535),
  transport: TransportSchema,
})
export type ManualServer = z.infer<typeof ManualServerSchema>
export const ManualRequestSchema = z.strictObject({
  sessionId: SessionIdSchema,
  /** Replaces whatever was typed in before for this session. */
  servers: z.array(ManualServerSchema).min(1).max(3),
})
export type ManualRequest = z.infer<typeof ManualRequestSchema>
/** probe, propose and pins act on the main process's own session state, never on data from the page. */
export const SessionRequestSchema = z.strictObject({ sessionId: SessionIdSchema })
export const ConfirmRequestSchema = z.strictObject({
  sessionId: SessionIdSchema,
  /** Sent once, with this call only; used by the guarded clients and then dropped. */
  password: z.string().min(1).max(4096),
  /** Ids of the confirmation items the user ticked. */
  acknowledged: z.array(text(400)).max(16),
  /**
   * Only after this session's last confirm answered `conflict`: the user chose to replace what is
   * pinned (a provider move), and why. The main process runs the audited forget + pin in one step.
   */
  replace: z.strictObject({ reason: z.string().trim().min(3).max(400) }).optional(),
})
export type DiscoverRequest = z.infer<typeof DiscoverRequestSchema>
export type SessionRequest = z.infer<typeof SessionRequestSchema>
export type ConfirmRequest = z.infer<typeof ConfirmRequestSchema>

// ---- responses (parsed by the page) ----

const TrustViewSchema = z.strictObject({
  level: z.enum(['trusted', 'needs-confirmation']),
  reason: text(64),
  /** Plain-language label for the UI, with the verdict ("Trusted: …"); only for proposed servers. */
  label: text(300),
  /** Where it was found, without a verdict ("entered by you"); for the probe table. */
  found: text(300),
})

export const CandidateViewSchema = z.strictObject({
  index: z.int().nonnegative(),
  service: ServiceSchema,
  host: text(253),
  port: z.int().min(1).max(65535),
  transport: TransportSchema,
  source: text(32),
  trust: TrustViewSchema,
})
export type CandidateView = z.infer<typeof CandidateViewSchema>

export const DiscoverResponseSchema = z.strictObject({
  sessionId: SessionIdSchema,
  domain: text(253),
  candidates: z.array(CandidateViewSchema).max(256),
  notOffered: z.array(z.strictObject({ service: ServiceSchema, transport: TransportSchema })).max(6),
  /** Sources that failed (not absences), one line each. */
  issues: z.array(text(1000)).max(64),
})
export type DiscoverResponse = z.infer<typeof DiscoverResponseSchema>

const ProbeStatusSchema = z.enum(['compliant', 'refused', 'failed', 'cancelled'])

export const ProbeRowSchema = z.strictObject({
  index: z.int().nonnegative(),
  status: ProbeStatusSchema,
  tlsVersion: text(32).optional(),
  code: text(64).optional(),
  message: text(1000).optional(),
})
export type ProbeRow = z.infer<typeof ProbeRowSchema>
export const ProbeResponseSchema = z.strictObject({ rows: z.array(ProbeRowSchema).max(256) })
export type ProbeResponse = z.infer<typeof ProbeResponseSchema>

const ConfirmationViewSchema = z.strictObject({ id: text(400), message: text(1000) })

export const ProposalViewSchema = z.strictObject({
  account: text(128),
  domain: text(253),
  services: z
    .array(
      z.strictObject({
        service: ServiceSchema,
        host: text(253),
        port: z.int().min(1).max(65535),
        transport: TransportSchema,
        tlsVersion: text(32),
        trust: TrustViewSchema,
        /** The server's key matched DNSSEC-signed TLSA records (RFC 6698) during the probe. */
        daneValidated: z.boolean(),
        latches: z.array(text(64)).max(64),
        reasons: z.array(text(1000)).max(16),
        confirmations: z.array(ConfirmationViewSchema).max(4),
      }),
    )
    .max(3),
  missing: z.array(z.strictObject({ service: ServiceSchema, message: text(1000) })).max(3),
  rejected: z
    .array(
      z.strictObject({
        service: ServiceSchema,
        host: text(253),
        port: z.int().min(1).max(65535),
        transport: TransportSchema,
        status: z.enum(['refused', 'failed', 'cancelled']),
        code: text(64),
        message: text(1000),
      }),
    )
    .max(256),
})
export type ProposalView = z.infer<typeof ProposalViewSchema>

export const PinViewSchema = z.strictObject({
  account: text(128),
  service: ServiceSchema,
  host: text(253),
  port: z.int().min(1).max(65535),
  transport: TransportSchema,
  tlsFloor: text(16),
  latches: z.array(text(64)).max(64),
  spkiPins: z.int().nonnegative(),
  statusUrl: text(2048).optional(),
})
export type PinView = z.infer<typeof PinViewSchema>
export const PinsResponseSchema = z.strictObject({ pins: z.array(PinViewSchema).max(3) })
export type PinsResponse = z.infer<typeof PinsResponseSchema>

const EndpointViewSchema = z.strictObject({
  host: text(253),
  port: z.int().min(1).max(65535),
  transport: TransportSchema,
})
export const ConflictViewSchema = z.strictObject({
  service: ServiceSchema,
  /** What this account is pinned to now. */
  pinned: EndpointViewSchema,
  /** What setup found and checked this time. */
  proposed: EndpointViewSchema,
})
export type ConflictView = z.infer<typeof ConflictViewSchema>

export const ConfirmResponseSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('pinned'),
    pins: z.array(PinViewSchema).max(3),
    /** True when the pins replaced earlier ones through the audited replace ceremony. */
    replaced: z.boolean(),
  }),
  z.strictObject({
    status: z.literal('not-pinned'),
    failures: z.array(z.strictObject({ service: ServiceSchema, code: text(64), message: text(2000) })).max(3),
  }),
  /** Confirmation items not ticked; nothing was tested or pinned. */
  z.strictObject({ status: z.literal('unacknowledged'), items: z.array(text(400)).max(16) }),
  /** The account is pinned elsewhere (MUASTS_ERR_COMMITMENT_CONFLICT); nothing was pinned. */
  z.strictObject({ status: z.literal('conflict'), conflicts: z.array(ConflictViewSchema).min(1).max(3) }),
  /** The user pressed Cancel (wizard:cancel) while the password was being tested; nothing was pinned. */
  z.strictObject({ status: z.literal('cancelled') }),
])
export type ConfirmResponse = z.infer<typeof ConfirmResponseSchema>
/** `cancelled`: a credential test was running and is now being torn down; false: nothing was running. */
export const CancelResponseSchema = z.strictObject({ cancelled: z.boolean() })

/** Every call answers with this envelope: Electron's ipcMain.handle loses an Error's code on the way. */
export const ipcResultSchema = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('ok', [
    z.strictObject({ ok: z.literal(true), value }),
    z.strictObject({
      ok: z.literal(false),
      error: z.strictObject({ code: text(64), message: text(2000) }),
    }),
  ])
export type IpcResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } }

/** What each channel answers with, for the page's parse step. */
export const RESPONSE_SCHEMAS = {
  'wizard:discover': DiscoverResponseSchema,
  'wizard:manual': DiscoverResponseSchema,
  'wizard:probe': ProbeResponseSchema,
  'wizard:propose': ProposalViewSchema,
  'wizard:confirm': ConfirmResponseSchema,
  'wizard:cancel': CancelResponseSchema,
  'wizard:pins': PinsResponseSchema,
} as const satisfies Record<WizardChannel, z.ZodType>
export type WizardResponses = { [K in WizardChannel]: z.infer<(typeof RESPONSE_SCHEMAS)[K]> }

// ---- events (main → page) ----

export const WizardEventSchema = z.discriminatedUnion('type', [
  /** One probe step of one candidate (DEEP/STS advertisement is read later, only over TLS). */
  z.strictObject({
    type: z.literal('probe'),
    sessionId: SessionIdSchema,
    index: z.int().nonnegative(),
    step: z.enum(['started', 'tls-ok', 'failed', 'done']),
    status: ProbeStatusSchema.optional(),
    tlsVersion: text(32).optional(),
    code: text(64).optional(),
    message: text(1000).optional(),
  }),
  /** A guarded client refused a connection (forwarded from a ReportDispatcher callbackSink). */
  z.strictObject({
    type: z.literal('report'),
    service: ServiceSchema,
    host: text(253),
    port: z.int().min(1).max(65535),
    explanations: z.array(text(2000)).max(32),
    helpUrl: text(2048).optional(),
  }),
])
export type WizardEvent = z.infer<typeof WizardEventSchema>
