// connectImap options (house style H14/H15): the shared Guard options, the credentials, and an
// allow-list of imapflow options that cannot change where or how the connection is secured. Everything
// that decides the transport comes from the commitment and is refused here, by name.

import type { SdkError } from '@mua-sts/core'
import { GuardOptionsSchema, parseOptions, refuseOwnedOptions } from '@mua-sts/transport'
import type { ExpungeEvent, ImapFlowOptions, Logger } from 'imapflow'
import * as z from 'zod'
import type { ImapAlert } from './client-events.js'

const WHAT = '@mua-sts/imap'

/**
 * imapflow options the SDK owns, each with the reason the app may not set it. Passing any of them to
 * connectImap throws MUASTS_ERR_INVALID_OPTION naming the option. Data only; no I/O.
 */
export const SDK_OWNED_OPTIONS: Readonly<Record<string, string>> = {
  host: 'the endpoint comes from the commitment',
  port: 'the endpoint comes from the commitment',
  secure: 'implicit TLS vs STARTTLS comes from the commitment',
  doSTARTTLS: 'STARTTLS is mandatory on a STARTTLS commitment and set by the SDK',
  tls: 'TLS options (minVersion, trust, identity check) come from the commitment; use `trust.ca` for extra roots',
  servername: 'SNI is the committed host',
  minVersion: 'the TLS floor comes from the commitment',
  rejectUnauthorized: 'certificate validation is never switched off',
  ca: 'use `trust.ca`',
  transport: 'the guard is the transport',
  proxy: 'a proxy bypasses the guarded transport',
  id: 'the connection id is set by the SDK',
  clientInfo: 'the ID fields carry the latch report; use `client` for name/version',
  verifyOnly: 'call connectImap() and then logout()',
  includeMailboxes: 'only meaningful with verifyOnly',
  logRaw: 'raw protocol logs can contain message data; not offered',
}

const positiveInt = z.number().int().positive()
const sizeLimit = z.number().positive() // imapflow accepts Infinity to lift a limit

const LoggerShape = z.custom<Logger | false>(
  (v) =>
    v === false ||
    (typeof v === 'object' &&
      v !== null &&
      ['debug', 'info', 'warn', 'error'].every(
        (m) => typeof (v as Record<string, unknown>)[m] === 'function',
      )),
  'expected false or an object with debug/info/warn/error methods',
)

const user = z.string().min(1).max(1024)
const AuthSchema = z.union([
  z.strictObject({
    user,
    pass: z.string().min(1).max(4096),
    loginMethod: z.enum(['LOGIN', 'AUTH=LOGIN', 'AUTH=PLAIN']).optional(),
    authzid: z.string().min(1).max(1024).optional(),
  }),
  z.strictObject({ user, accessToken: z.string().min(1).max(16_384) }),
])

/**
 * zod schema of {@link ImapConnectOptions} (strict: unknown keys are refused). The Guard options
 * (`account`, `store`, `reports`, `client`, `trust`, `now`, `newReportId`, `timeoutMs`), `auth`, and an
 * allow-list of imapflow options that cannot affect where or how the connection is secured.
 * Parsing does no I/O and never echoes credentials in issues.
 */
export const ImapConnectOptionsSchema = GuardOptionsSchema.extend({
  auth: AuthSchema,
  /**
   * Called with each post-TLS `[ALERT]` (RFC 9051 §7.1: show it to the user), from the first response
   * after the check passed — during connect and login too — for the client's whole life. Text is
   * sanitized (no control bytes, no markup). Pre-TLS alerts are never delivered.
   */
  onAlert: z
    .custom<(alert: ImapAlert) => void>((v) => typeof v === 'function', 'expected a function')
    .optional(),
  /**
   * Called with the coded error when the connection fails after connectImap resolved (a reset, the idle
   * timeout). The SDK keeps its own 'error' listener, so without one nothing crashes; the next command
   * rejects with the same error.
   */
  onError: z
    .custom<(error: SdkError) => void>((v) => typeof v === 'function', 'expected a function')
    .optional(),
  /** Default false: imapflow's default logger writes to stdout; pass a logger to see its logs. */
  logger: LoggerShape.optional(),
  emitLogs: z.boolean().optional(),
  qresync: z.boolean().optional(),
  disableAutoIdle: z.boolean().optional(),
  autoIdleDelay: z.number().int().min(0).optional(),
  maxIdleTime: positiveInt.optional(),
  missingIdleCommand: z.enum(['NOOP', 'SELECT', 'STATUS']).optional(),
  disableBinary: z.boolean().optional(),
  disableAutoEnable: z.boolean().optional(),
  disableCompression: z.boolean().optional(),
  disableIMAP4rev2: z.boolean().optional(),
  connectionTimeout: positiveInt.optional(),
  greetingTimeout: positiveInt.optional(),
  socketTimeout: positiveInt.optional(),
  maxLineLength: sizeLimit.optional(),
  maxLiteralSize: sizeLimit.optional(),
  maxResponseSize: sizeLimit.optional(),
  maxResponseTokens: sizeLimit.optional(),
  maxLockHoldTime: z.union([z.number().min(0), z.literal(false)]).optional(),
  idHashAlgorithm: z.string().min(1).max(32).optional(),
  context: z.unknown().optional(),
  expungeHandler: z
    .custom<(event: ExpungeEvent) => Promise<void> | void>((v) => typeof v === 'function')
    .optional(),
})

/** Options of connectImap (the input type of {@link ImapConnectOptionsSchema}). */
export type ImapConnectOptions = z.input<typeof ImapConnectOptionsSchema>
export type ParsedImapOptions = z.output<typeof ImapConnectOptionsSchema>

const GUARD_KEYS = Object.keys(GuardOptionsSchema.shape) as ReadonlyArray<
  keyof typeof GuardOptionsSchema.shape
>

/**
 * Validates connectImap options eagerly. Pure.
 * @throws SdkError MUASTS_ERR_INVALID_OPTION naming the offending option (SDK-owned ones by name).
 */
export function parseImapOptions(input: unknown): ParsedImapOptions {
  refuseOwnedOptions(WHAT, input, SDK_OWNED_OPTIONS)
  return parseOptions(ImapConnectOptionsSchema, input, WHAT)
}

/** Splits parsed options into the Guard's own and the imapflow pass-through (minus `auth` and the SDK's callbacks). */
export function splitOptions(o: ParsedImapOptions): {
  guard: Record<string, unknown>
  imapflow: Partial<ImapFlowOptions>
} {
  const guard: Record<string, unknown> = {}
  const imapflow: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || k === 'auth' || k === 'onAlert' || k === 'onError') continue
    if ((GUARD_KEYS as readonly string[]).includes(k)) guard[k] = v
    else imapflow[k] = v
  }
  return { guard, imapflow: imapflow as Partial<ImapFlowOptions> }
}
