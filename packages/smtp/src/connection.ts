// nodemailer's SMTPConnection, used only over a TLS socket the SDK opened and completed itself. It
// never opens, upgrades or chooses anything: `connection` + `secured` hand it the finished session
// (integration notes §2.2), and `ignoreTLS` keeps it from ever sending STARTTLS inside TLS.
import type { TLSSocket } from 'node:tls'
import { ErrorCode, isSdkError, SdkError, safeText } from '@mua-sts/core'
import type { ExternalLogger } from 'nodemailer/lib/shared'
import SMTPConnection, { type SMTPConnectionCustomAuthHandler } from 'nodemailer/lib/smtp-connection'

/** The customAuth method name under which the guard runs CLIENT and the SASL exchange (guard-step.ts). */
export const GUARD_STEP = 'X-MUASTS-GUARDED-AUTH'

/**
 * After our own STARTTLS there is no second greeting (RFC 3207 §4.2: the client speaks next, with
 * EHLO), but nodemailer's session starts by waiting for one. This locally generated line satisfies
 * that state machine; it is never a byte the server sent, and nodemailer's first command on the TLS
 * socket is then the EHLO that RFC 3207 requires.
 */
export const LOCAL_GREETING = Buffer.from('220 mua-sts: STARTTLS complete, continuing over TLS\r\n')

export type ConnectionSettings = {
  readonly host: string
  readonly port: number
  readonly name: string
  readonly logger: ExternalLogger | boolean
  readonly debug: boolean
  readonly timeoutMs: number
  /** Inactivity limit of the socket; the connect itself is bounded by the connect deadline. */
  readonly idleTimeoutMs: number
  readonly guardStep: SMTPConnectionCustomAuthHandler
}

const ignore = (): void => {}

/** Wraps a completed TLS session. Does no I/O until `connect()`. */
export function createConnection(socket: TLSSocket, s: ConnectionSettings): SMTPConnection {
  const conn = new SMTPConnection({
    host: s.host,
    port: s.port,
    name: s.name,
    logger: s.logger,
    debug: s.debug,
    connection: socket,
    secure: true,
    secured: true,
    ignoreTLS: true,
    requireTLS: false,
    opportunisticTLS: false,
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    // nodemailer's socket timeout is an inactivity timer: it cannot bound a server that drips bytes
    // (the connect deadline does), so it serves as the idle timeout after login.
    socketTimeout: s.idleTimeoutMs,
    customAuth: { [GUARD_STEP]: s.guardStep },
  })
  // Every operation listens for 'error' itself (see call()); this one keeps an error that arrives
  // while nothing is in flight (an idle pooled session) from becoming an uncaught exception.
  conn.on('error', ignore)
  return conn
}

/**
 * Runs one callback-style SMTPConnection operation as a promise that also settles when the
 * connection reports an error or ends first (nodemailer then never calls the operation back).
 */
export function call<T>(
  conn: SMTPConnection,
  start: (done: (err: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const finish = (err: Error | null | undefined, value?: T): void => {
      if (settled) return
      settled = true
      conn.off('error', onError)
      conn.off('end', onEnd)
      if (err) reject(err)
      else resolve(value as T)
    }
    const onError = (e: Error): void => finish(e)
    const onEnd = (): void =>
      finish(new SdkError(ErrorCode.Connection, 'The SMTP server closed the connection. Try again later.'))
    conn.once('error', onError)
    conn.once('end', onEnd)
    // A connection that already ended emits neither event again: fail now instead of waiting forever.
    if ((conn as { _destroyed?: boolean })._destroyed === true || conn.destroyed) onEnd()
    else start(finish)
  })
}

const CODE_OF: Readonly<Record<string, ErrorCode>> = {
  ETIMEDOUT: ErrorCode.Timeout,
  EAUTH: ErrorCode.AuthFailed,
  EPROTOCOL: ErrorCode.Protocol,
}

/** Turns a nodemailer error from the session set-up into an SdkError (the original is the cause). */
export function fromNodemailer(error: unknown, step: string): SdkError {
  if (isSdkError(error)) return error
  const e = error as { code?: unknown; message?: unknown }
  const code = CODE_OF[String(e.code)] ?? ErrorCode.Connection
  // nodemailer quotes the server's reply in its messages: prose, markup and escapes are removed.
  const message = safeText(String(e.message ?? error))
  const todo =
    code === ErrorCode.AuthFailed
      ? 'Check the username and password (or the access token).'
      : 'Try again later; if it keeps happening, check the server settings.'
  return new SdkError(code, `The SMTP ${step} step failed (${message}). ${todo}`, { cause: error })
}

/** The post-TLS EHLO reply as nodemailer received it: `lastServerResponse` when `connect` fires. */
export function lastReply(conn: SMTPConnection): string {
  return typeof conn.lastServerResponse === 'string' ? conn.lastServerResponse : ''
}
