// Options of the guarded transport, validated eagerly (house style H15). The SDK owns every setting
// that decides where the connection goes and how TLS is done (integration notes §2.1: nodemailer's
// defaults send AUTH in cleartext, opportunisticTLS and forceAuth make it worse), so those keys are
// refused with MUASTS_ERR_INVALID_OPTION instead of being silently ignored.
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type GuardOptions,
  GuardOptionsSchema,
  parseOptions,
  refuseOwnedOption as refuseOwned,
  refuseOwnedOptions,
} from '@mua-sts/transport'
import type { ExternalLogger } from 'nodemailer/lib/shared'
import * as z from 'zod'

const WHAT = '@mua-sts/smtp guardedSmtpTransport'

/** Keys an app might copy from a stock nodemailer config, and why the SDK decides them instead. */
export const SDK_OWNED_OPTIONS: Readonly<Record<string, string>> = {
  host: 'the endpoint comes from the account commitment',
  port: 'the endpoint comes from the account commitment',
  service: 'the endpoint comes from the account commitment',
  url: 'the endpoint comes from the account commitment',
  secure: 'implicit TLS vs STARTTLS comes from the account commitment',
  requireTLS: 'STARTTLS is always required when the commitment says starttls',
  ignoreTLS: 'TLS is never skipped',
  opportunisticTLS: 'a failed STARTTLS always aborts the session',
  forceAuth: 'AUTH is sent only when the server offers it after TLS',
  tls: 'TLS options come from the commitment (minVersion, CA, RFC 7817 identity check)',
  servername: 'SNI is the committed host',
  secured: 'the SDK opens and verifies every socket itself',
  connection: 'the SDK opens and verifies every socket itself',
  socket: 'the SDK opens and verifies every socket itself',
  getSocket: 'the SDK opens and verifies every socket itself',
  proxy: 'the SDK opens and verifies every socket itself',
  customAuth: 'the SDK runs the SASL exchange itself, after the guard passed',
  authMethod: 'the SDK picks PLAIN, LOGIN or XOAUTH2 from the post-TLS EHLO',
  lmtp: 'only SMTP submission (RFC 6409) is supported',
}

// SASL PLAIN separates fields with NUL (RFC 4616 §2); CR/LF would end the command line early.
const UserSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[^\0\r\n]+$/, 'must not contain NUL, CR or LF')
const PasswordAuthSchema = z.strictObject({
  user: UserSchema,
  pass: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[^\0]+$/, 'must not contain NUL'),
})
const TokenAuthSchema = z.strictObject({
  user: UserSchema,
  /** OAuth 2.0 bearer token, sent with SASL XOAUTH2. */
  accessToken: z
    .string()
    .min(1)
    .max(8192)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
})

/** Bunyan-style logger as nodemailer accepts it, or `true` for nodemailer's console logger. */
const LoggerSchema = z.custom<ExternalLogger | boolean>(
  (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null),
  'expected a bunyan-compatible logger object or a boolean',
)

// RFC 5321 §4.1.1.1: EHLO takes a domain or an address literal.
const EhloNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[(?:IPv6:)?[0-9A-Fa-f:.]+\])$/,
    'expected a domain name or an address literal such as [127.0.0.1]',
  )

/**
 * The zod schema of {@link GuardedSmtpOptions}: the shared guard options plus the transport's own
 * allow-list. Strict: unknown keys are refused. Exported for apps that validate configuration files.
 */
export const GuardedSmtpOptionsSchema = GuardOptionsSchema.extend({
  /** The submission credentials; they leave the process only after the guard passed. */
  auth: z.union([PasswordAuthSchema, TokenAuthSchema]),
  /** EHLO name. Defaults to `[127.0.0.1]`, so the machine's host name is not disclosed (DEEP -04 §12). */
  name: EhloNameSchema.optional(),
  /** Keep authenticated sessions open and reuse them; every new connection is guarded. */
  pool: z.boolean().optional(),
  maxConnections: z.number().int().min(1).max(64).optional(),
  maxMessages: z.number().int().min(1).max(100_000).optional(),
  logger: LoggerSchema.optional(),
  /** Passes SMTP traffic to the logger. nodemailer masks AUTH lines; message data is logged. */
  debug: z.boolean().optional(),
})

/** What an app passes to `guardedSmtpTransport()` (see the README for each option). */
export type GuardedSmtpOptions = z.input<typeof GuardedSmtpOptionsSchema>
/** Submission credentials: a password (SASL PLAIN/LOGIN) or an OAuth 2.0 token (SASL XOAUTH2). */
export type SmtpAuth = z.infer<typeof GuardedSmtpOptionsSchema>['auth']

export type ParsedSmtpOptions = {
  readonly guard: GuardOptions
  readonly auth: SmtpAuth
  readonly name: string
  readonly pool: boolean
  readonly maxConnections: number
  readonly maxMessages: number
  readonly logger: ExternalLogger | boolean
  readonly debug: boolean
  /** Hard deadline of one connect: TCP connect to the completed AUTH (issue #13). */
  readonly timeoutMs: number
  /** Inactivity timeout of an authenticated session. */
  readonly idleTimeoutMs: number
}

/** The EHLO argument when `name` is not set: an address literal that says nothing about the machine. */
export const DEFAULT_EHLO_NAME = '[127.0.0.1]'
export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS }

const DEFAULT_MAX_CONNECTIONS = 5
const DEFAULT_MAX_MESSAGES = 100

/** Throws MUASTS_ERR_INVALID_OPTION for a key the SDK owns, naming the key and the reason. */
export function refuseOwnedOption(key: string): never {
  return refuseOwned(WHAT, key, SDK_OWNED_OPTIONS)
}

/**
 * Validates transport options. Does no I/O.
 * @throws SdkError MUASTS_ERR_INVALID_OPTION naming the first bad option path.
 */
export function parseSmtpOptions(input: unknown): ParsedSmtpOptions {
  refuseOwnedOptions(WHAT, input, SDK_OWNED_OPTIONS)
  const o = parseOptions(GuardedSmtpOptionsSchema, input, WHAT)
  const { auth, name, pool, maxConnections, maxMessages, logger, debug, ...guard } = o
  return {
    guard,
    auth,
    name: name ?? DEFAULT_EHLO_NAME,
    pool: pool ?? false,
    maxConnections: maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxMessages: maxMessages ?? DEFAULT_MAX_MESSAGES,
    logger: logger ?? false,
    debug: debug ?? false,
    timeoutMs: guard.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: guard.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  }
}
