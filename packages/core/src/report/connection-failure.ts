// A connection that failed before any check could run is a connection error, not a commitment
// violation (issue #13 item 3, honest blame): a host that refuses or drops TCP, or closes before any
// protocol data, is what an outage looks like. It gets its own report kind (`outcome:
// 'connection_error'`, no violations) and wording that never speaks of an attack. The phase says how
// far the connection got; the same names are used by the connect deadline (`details.phase`).
import * as z from 'zod'
import { ErrorCode } from '../errors.js'
import { SAFE_TOKEN_RE } from './sanitize.js'

/**
 * The steps of one guarded connect, in order for STARTTLS (implicit TLS runs `handshake` and `check`
 * before `greeting`):
 * `tcp` connecting, `greeting` waiting for the server greeting, `capabilities` CAPABILITY/CAPA/EHLO,
 * `starttls` waiting for the STARTTLS/STLS reply, `handshake` TLS handshake, `check` the guard's
 * evaluation, `identify` post-TLS capabilities and the in-band ID/CLIENT exchange, `login` the first
 * authenticated command, `idle` the session after login (its own idle timeout).
 */
export const CONNECT_PHASES = [
  'tcp',
  'greeting',
  'capabilities',
  'starttls',
  'handshake',
  'check',
  'identify',
  'login',
  'idle',
] as const
export const ConnectPhaseSchema = z.enum(CONNECT_PHASES)
export type ConnectPhase = z.infer<typeof ConnectPhaseSchema>

/** Error codes a connection-error report can carry. */
export const CONNECTION_FAILURE_CODES = [ErrorCode.Connection, ErrorCode.Timeout] as const

export const ConnectionFailureSchema = z.strictObject({
  phase: ConnectPhaseSchema,
  code: z.enum(CONNECTION_FAILURE_CODES),
  /** The system error code (ECONNREFUSED, ECONNRESET…), kept only when it is a plain token. */
  cause: z.string().regex(SAFE_TOKEN_RE).optional(),
})
export type ConnectionFailure = z.infer<typeof ConnectionFailureSchema>

const PHASE_WORDS: Readonly<Record<ConnectPhase, string>> = {
  tcp: 'could not be reached',
  greeting: 'closed the connection or stopped answering before it greeted',
  capabilities: 'closed the connection or stopped answering while listing its capabilities',
  starttls: 'closed the connection or stopped answering before starting encryption',
  handshake: 'closed the connection during the encryption handshake',
  check: 'closed the connection while it was being checked',
  identify: 'closed the connection before login',
  login: 'closed the connection during login',
  idle: 'closed the connection',
}

/**
 * One plain-language sentence for a connection error. It states a network or server problem and that
 * nothing was sent; it never calls it an attack (a connection error is not evidence of one). Pure.
 */
export function explainConnectionFailure(f: Pick<ConnectionFailure, 'phase' | 'code'>): string {
  const what = f.code === ErrorCode.Timeout ? 'did not answer in time' : PHASE_WORDS[f.phase]
  return `The server ${what}. This is a network or server problem; no password was sent.`
}
