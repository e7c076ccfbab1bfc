// connectPop3 options (house style H14/H15): the shared Guard options, the credentials, and an
// allow-list of client settings that cannot change where or how the connection is secured. Everything
// that decides the transport comes from the commitment and is refused here, by name.
import { GuardOptionsSchema, parseOptions, refuseOwnedOptions } from '@mua-sts/transport'
import * as z from 'zod'
import { Pop3CredentialsSchema } from './auth.js'
import {
  DEFAULT_COMMAND_MS,
  DEFAULT_MAX_LISTING_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_STEP_MS,
} from './options.js'
import type { SessionConfig } from './session-config.js'

const WHAT = '@mua-sts/pop3 connectPop3'

/**
 * Options the SDK owns, each with the reason the app may not set it. Passing any of them to
 * connectPop3 throws MUASTS_ERR_INVALID_OPTION naming the option. Data only; no I/O.
 */
export const SDK_OWNED_OPTIONS: Readonly<Record<string, string>> = {
  host: 'the endpoint comes from the commitment',
  port: 'the endpoint comes from the commitment',
  transport: 'implicit TLS vs STLS comes from the commitment',
  secure: 'implicit TLS vs STLS comes from the commitment',
  tls: 'TLS options (minVersion, trust, identity check) come from the commitment; use `trust.ca` for extra roots',
  servername: 'SNI and the certificate name are the committed host',
  ca: 'use `trust.ca`',
  minVersion: 'the TLS floor comes from the commitment',
  maxVersion: 'the TLS version is negotiated up from the committed floor',
  rejectUnauthorized: 'certificate validation is never switched off',
  checkServerIdentity: 'the RFC 7817 identity check and SPKI capture are the guard’s',
  lookup: 'use `trust.lookup`',
  gate: 'the guard is the gate',
}

// Same bounds as the Guard's own timeoutMs.
const ms = z.int().min(100).max(600_000)
const bytes = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

/**
 * zod schema of {@link ConnectPop3Options} (strict: unknown keys are refused). The Guard options
 * (`account`, `store`, `reports`, `client`, `trust`, `now`, `newReportId`, `timeoutMs`), `auth`, and
 * per-step timeouts and size limits. Parsing does no I/O and never echoes credentials in issues.
 */
export const ConnectPop3OptionsSchema = GuardOptionsSchema.extend({
  /** Password (`AUTH PLAIN` if the post-TLS CAPA lists it, else USER/PASS) or an OAuth 2.0 token (XOAUTH2). */
  auth: Pop3CredentialsSchema,
  /** Per-step deadlines; each defaults to `timeoutMs`, else to the client default (15 s, commands 30 s). */
  timeouts: z
    .strictObject({
      connectMs: ms.optional(),
      greetingMs: ms.optional(),
      handshakeMs: ms.optional(),
      commandMs: ms.optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      /** Default cap for RETR and TOP bodies (decoded octets). Default 64 MiB. */
      maxMessageBytes: bytes.optional(),
      /** Cap for LIST and UIDL responses (decoded octets). Default 8 MiB. */
      maxListingBytes: bytes.optional(),
    })
    .optional(),
})

/** Options of connectPop3 (the input type of {@link ConnectPop3OptionsSchema}). */
export type ConnectPop3Options = z.input<typeof ConnectPop3OptionsSchema>
export type ParsedConnectPop3Options = z.output<typeof ConnectPop3OptionsSchema>

const GUARD_KEYS: ReadonlySet<string> = new Set(Object.keys(GuardOptionsSchema.shape))

/**
 * Validates connectPop3 options eagerly. Pure.
 * @throws SdkError MUASTS_ERR_INVALID_OPTION naming the offending option (SDK-owned ones by name).
 */
export function parseConnectPop3Options(input: unknown): ParsedConnectPop3Options {
  refuseOwnedOptions(WHAT, input, SDK_OWNED_OPTIONS)
  return parseOptions(ConnectPop3OptionsSchema, input, WHAT)
}

/** The Guard's own options, for `new Guard(...)`. */
export function guardOptionsOf(o: ParsedConnectPop3Options): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => GUARD_KEYS.has(k) && v !== undefined))
}

/** Timeouts and limits for the session: explicit value, else `timeoutMs`, else the client default. */
export function sessionTuning(o: ParsedConnectPop3Options): Pick<SessionConfig, 'timeouts' | 'limits'> {
  const t = o.timeouts ?? {}
  const step = o.timeoutMs ?? DEFAULT_STEP_MS
  const command = o.timeoutMs ?? DEFAULT_COMMAND_MS
  return {
    timeouts: {
      connectMs: t.connectMs ?? step,
      greetingMs: t.greetingMs ?? step,
      handshakeMs: t.handshakeMs ?? step,
      commandMs: t.commandMs ?? command,
      // The gate is the Guard's synchronous check, so this deadline cannot fire; the sequence needs one.
      gateMs: DEFAULT_COMMAND_MS,
    },
    limits: {
      maxMessageBytes: o.limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxListingBytes: o.limits?.maxListingBytes ?? DEFAULT_MAX_LISTING_BYTES,
    },
  }
}
