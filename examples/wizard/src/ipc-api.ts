// The wizard's main-process side, as IPC handlers: `wizard:discover` → `wizard:probe` (progress pushed
// as events) → `wizard:propose` → `wizard:confirm` → `wizard:pins`. Transport-agnostic: Electron wires
// each handler to ipcMain.handle, the browser demo to an HTTP POST (server/http-bridge.ts).
//
// The page only ever holds a session id. Discovery, probe results and the proposal stay here, so a
// compromised renderer cannot feed confirm() a forged observation or a tampered proposal; all it can
// send is an address, a password (at confirm time only) and which confirmation items it ticked.
import { randomBytes, randomUUID } from 'node:crypto'
import { type CommitmentStore, ErrorCode, parseOptions, SdkError, toSdkError } from '@mua-sts/core'
import type { ReportDispatcher } from '@mua-sts/reports'
import {
  confirm,
  type DiscoverOptions,
  type Discovery,
  discover,
  type ProbeOptions,
  type ProbeResult,
  type Proposal,
  probe,
  propose,
} from '@mua-sts/setup'
import type { z } from 'zod'
import {
  ConfirmRequestSchema,
  DiscoverRequestSchema,
  type IpcResult,
  SessionRequestSchema,
  type WizardChannel,
  type WizardEvent,
  type WizardResponses,
} from './ipc-schema.js'
import { type GuardTrust, guardedVerifiers } from './verify.js'
import { discoveryView, pinView, probeEventView, probeRow, proposalView } from './views.js'

export type WizardDeps = {
  /** The durable store confirm() pins into (FileStore on the keychain or on safeStorage in an app). */
  readonly store: CommitmentStore
  /** Trust anchors and dial seam, shared by the probe and the guarded clients so both judge alike. */
  readonly trust?: GuardTrust
  /** Discovery seams (resolver, fetch, dnssec, sources…). */
  readonly discover?: Omit<DiscoverOptions, 'signal'>
  readonly probe?: Pick<ProbeOptions, 'timeoutMs' | 'concurrency' | 'earlyStop'>
  /** Receives the reports of refused credential tests (forward them to the UI and an outbox). */
  readonly reports?: ReportDispatcher
  /** Opaque account reference for a new account; never derived from the address. */
  readonly newAccountRef?: () => string
  readonly now?: () => Date
}

/** Pushes an event to the page that made the call (webContents.send, an SSE stream…). */
export type Emit = (event: WizardEvent) => void
export type WizardHandler<K extends WizardChannel> = (
  input: unknown,
  emit: Emit,
) => Promise<IpcResult<WizardResponses[K]>>
export type WizardApi = { readonly [K in WizardChannel]: WizardHandler<K> }

type Session = {
  readonly id: string
  readonly email: string
  readonly account: string
  readonly discovery: Discovery
  probing: boolean
  results?: ProbeResult[]
  proposal?: Proposal
}

/** A wizard is one window and one address at a time; a few sessions are plenty and bound memory. */
const MAX_SESSIONS = 8

function parse<S extends z.ZodType>(schema: S, input: unknown, channel: WizardChannel): z.infer<S> {
  return parseOptions(schema, input, `${channel} request`)
}

const invalid = (message: string): SdkError => new SdkError(ErrorCode.InvalidOption, message)

/** Runs a handler body and folds any throw into the envelope (code + message, never a stack). */
async function envelope<T>(work: () => Promise<T>): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    const e = toSdkError(error)
    return { ok: false, error: { code: e.code, message: e.message.slice(0, 2000) } }
  }
}

/**
 * Builds the five handlers. Does no I/O until a handler is called; each handler validates its input
 * with zod (MUASTS_ERR_INVALID_OPTION in the envelope) and never throws.
 */
export function createWizardApi(deps: WizardDeps): WizardApi {
  const sessions = new Map<string, Session>()
  const now = deps.now ?? (() => new Date())
  const newAccountRef = deps.newAccountRef ?? (() => `acct_${randomBytes(6).toString('hex')}`)

  const session = (input: unknown, channel: WizardChannel): Session => {
    const { sessionId } = parse(SessionRequestSchema, input, channel)
    const s = sessions.get(sessionId)
    if (s === undefined) throw invalid(`${channel}: unknown or expired session; start again`)
    return s
  }

  return {
    'wizard:discover': (input) =>
      envelope(async () => {
        const { email } = parse(DiscoverRequestSchema, input, 'wizard:discover')
        const discovery = await discover(email, deps.discover ?? {})
        const id = randomUUID()
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string)
        sessions.set(id, { id, email, account: newAccountRef(), discovery, probing: false })
        return discoveryView(id, discovery)
      }),

    'wizard:probe': (input, emit) =>
      envelope(async () => {
        const s = session(input, 'wizard:probe')
        if (s.probing) throw invalid('wizard:probe: already probing this session')
        s.probing = true
        try {
          const results = await probe(s.discovery.candidates, {
            ...deps.probe,
            trust: deps.trust?.ca === undefined ? {} : { ca: deps.trust.ca },
            ...(deps.trust?.lookup === undefined ? {} : { lookup: deps.trust.lookup }),
            onProgress: (event) => emit(probeEventView(s.id, event)),
          })
          s.results = results
          delete s.proposal
          return { rows: results.map(probeRow) }
        } finally {
          s.probing = false
        }
      }),

    'wizard:propose': (input) =>
      envelope(async () => {
        const s = session(input, 'wizard:propose')
        if (s.results === undefined) throw invalid('wizard:propose: probe first')
        s.proposal = propose(s.discovery, s.results, { account: s.account, now: now() })
        return proposalView(s.proposal)
      }),

    'wizard:confirm': (input) =>
      envelope(async () => {
        const { sessionId, password, acknowledged } = parse(ConfirmRequestSchema, input, 'wizard:confirm')
        const s = session({ sessionId }, 'wizard:confirm')
        if (s.proposal === undefined) throw invalid('wizard:confirm: propose first')
        const result = await confirm({
          proposal: s.proposal,
          store: deps.store,
          verify: guardedVerifiers({
            user: s.email,
            pass: password,
            reports: deps.reports,
            trust: deps.trust,
          }),
          // This channel is only invoked by the page's Confirm button: the call is the user's consent.
          confirmed: true,
          acknowledged,
        })
        if (result.status === 'pinned')
          return { status: 'pinned' as const, pins: result.commitments.map(pinView) }
        return {
          status: 'not-pinned' as const,
          failures: result.failures.map(({ service, code, message }) => ({
            service,
            code,
            message: message.slice(0, 2000),
          })),
        }
      }),

    'wizard:pins': (input) =>
      envelope(async () => {
        const s = session(input, 'wizard:pins')
        return { pins: (await deps.store.list(s.account)).map(pinView) }
      }),
  }
}
