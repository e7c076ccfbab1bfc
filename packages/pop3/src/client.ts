// The public POP3 client. Thin: it validates input, serialises commands, and delegates to
// connect.ts (the sequence), auth.ts, commands.ts and retr.ts. GuardedPop3Client, at the end, is the
// same client as connectPop3 returns it (guard.ts builds it after the Guard passed the socket).
import type { Readable } from 'node:stream'
import { type Commitment, ErrorCode, SdkError, type SecurityRecord } from '@mua-sts/core'
import { markPassed, whenAborted } from '@mua-sts/transport'
import { authenticate } from './auth.js'
import type { Pop3ListEntry, Pop3Stat, Pop3UidEntry } from './commands.js'
import * as cmd from './commands.js'
import { establishSession, type Session } from './connect.js'
import { Pop3Error, Pop3ErrorCode } from './errors.js'
import {
  nodeTlsOptions,
  type ParsedConnectOptions,
  type Pop3ConnectOptions,
  Pop3ConnectOptionsSchema,
  type Pop3Credentials,
  parseOptions,
  type SessionConfig,
  servernameFor,
} from './options.js'
import { retr, top } from './retr.js'

let construct: (session: Session) => Pop3Client

/**
 * A strict POP3 client that only ever talks over TLS and checks a caller-supplied policy gate before
 * any credential leaves the process. Obtain one with {@link Pop3Client.connect}.
 *
 * Commands are serialised: calls made while another is running wait their turn, and at most one
 * command is on the wire at a time. The one exception is login by USER/PASS on a server whose post-TLS
 * CAPA lists PIPELINING: both lines go in one write (RFC 2449 §6.6). Any protocol error, timeout or size overflow
 * closes the connection; later calls then reject with `MUASTS_ERR_POP3_CLOSED`.
 */
export class Pop3Client {
  static {
    construct = (session) => new Pop3Client(session)
  }

  readonly #session: Session
  #tail: Promise<void> = Promise.resolve()

  /** Not for applications: use {@link Pop3Client.connect} or `connectPop3`. Subclassed by the guarded client. */
  protected constructor(session: Session) {
    this.#session = session
    cancelOnAbort(session)
  }

  /**
   * Validates `options`, connects, establishes TLS (implicit, or STLS with every RFC 2595 §4 check),
   * re-reads CAPA over TLS and awaits `options.gate`. Does I/O. Does NOT authenticate.
   * `options.signal` cancels the connect in any phase, and later the command in flight.
   * @throws Pop3Error INVALID_OPTION before any I/O; SdkError ABORTED (already aborted: before any
   *   socket; else at once, the socket destroyed); Pop3Error with `anomaly` set for every failure
   *   before TLS was up (codes TLS_UNAVAILABLE, TIMEOUT, CLOSED, PROTOCOL); Pop3Error without
   *   `anomaly` after TLS; or exactly the error the gate threw (the socket is then destroyed and
   *   nothing more was sent).
   */
  static async connect(options: Pop3ConnectOptions): Promise<Pop3Client> {
    const o = parseOptions(Pop3ConnectOptionsSchema, options, 'Pop3Client.connect options')
    return construct(await establishSession(configFromOptions(o)))
  }

  /** Capability lines from the post-TLS CAPA, in server order. Pre-TLS capabilities are never kept here. */
  get capabilities(): readonly string[] {
    return this.#session.capsAfterTls
  }

  async #exclusive<T>(run: () => Promise<T>): Promise<T> {
    const release = await this.#acquire()
    try {
      return await run()
    } finally {
      release()
    }
  }

  async #acquire(): Promise<() => void> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise((resolve) => {
      release = resolve
    })
    await previous
    return release
  }

  /**
   * Authenticates with a password (`AUTH PLAIN` if the post-TLS CAPA lists it, else USER/PASS; force
   * one with `mechanism`) or an OAuth 2.0 access token (`AUTH XOAUTH2`). Does I/O.
   * Credentials never appear in errors: server text is sanitized and echoes of them are redacted.
   * @throws Pop3Error INVALID_OPTION, GUARD_BYPASSED (tripwire; nothing sent), AUTH_FAILED (wrong
   *   credentials; the session stays usable for another attempt), COMMAND_FAILED (a temporary refusal,
   *   e.g. `[IN-USE]`), PROTOCOL, TIMEOUT, CLOSED; SdkError ABORTED (the signal fired).
   */
  async login(credentials: Pop3Credentials): Promise<void> {
    return this.#exclusive(() => authenticate(this.#session, credentials))
  }

  /** `STAT`: message count and maildrop size. Does I/O. @throws Pop3Error */
  async stat(): Promise<Pop3Stat> {
    return this.#exclusive(() => cmd.stat(this.#session))
  }

  /** `LIST` (all messages) or `LIST n`. Does I/O. @throws Pop3Error (COMMAND_FAILED for no such message) */
  list(): Promise<Pop3ListEntry[]>
  list(id: number): Promise<Pop3ListEntry>
  async list(id?: number): Promise<Pop3ListEntry[] | Pop3ListEntry> {
    if (id === undefined) return this.#exclusive(() => cmd.list(this.#session))
    const n = cmd.messageNumber(id, 'Pop3Client.list id')
    return this.#exclusive(() => cmd.listOne(this.#session, n))
  }

  /** `UIDL` (all messages) or `UIDL n`. Does I/O. @throws Pop3Error */
  uidl(): Promise<Pop3UidEntry[]>
  uidl(id: number): Promise<Pop3UidEntry>
  async uidl(id?: number): Promise<Pop3UidEntry[] | Pop3UidEntry> {
    if (id === undefined) return this.#exclusive(() => cmd.uidl(this.#session))
    const n = cmd.messageNumber(id, 'Pop3Client.uidl id')
    return this.#exclusive(() => cmd.uidlOne(this.#session, n))
  }

  /**
   * `RETR n` as a byte stream of the exact message (see retr.ts for the contract). Consume or
   * destroy the stream: the client runs no other command until it has ended. Does I/O.
   * @param options.maxBytes decoded size cap; default `limits.maxMessageBytes`. Exceeding it errors
   *   the stream with TOO_LARGE and closes the connection.
   * @throws Pop3Error INVALID_OPTION, COMMAND_FAILED, PROTOCOL, TIMEOUT, CLOSED.
   */
  async retr(id: number, options: { maxBytes?: number } = {}): Promise<Readable> {
    const n = cmd.messageNumber(id, 'Pop3Client.retr id')
    const max = cmd.byteLimit(
      options.maxBytes ?? this.#session.options.limits.maxMessageBytes,
      'Pop3Client.retr maxBytes',
    )
    return retr(this.#session, n, max, await this.#acquire())
  }

  /** `TOP n lines`: headers plus the first `lines` body lines, exact bytes. Does I/O. @throws Pop3Error */
  async top(id: number, lines: number, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const n = cmd.messageNumber(id, 'Pop3Client.top id')
    const k = cmd.lineCount(lines, 'Pop3Client.top lines')
    const max = cmd.byteLimit(
      options.maxBytes ?? this.#session.options.limits.maxMessageBytes,
      'Pop3Client.top maxBytes',
    )
    return this.#exclusive(() => top(this.#session, n, k, max))
  }

  /** `DELE n`: marks a message; the server removes it only after a successful {@link quit}. @throws Pop3Error */
  async dele(id: number): Promise<void> {
    const n = cmd.messageNumber(id, 'Pop3Client.dele id')
    return this.#exclusive(() => cmd.simple(this.#session, `DELE ${n}`, 'DELE'))
  }

  /** `RSET`: unmarks all messages marked for deletion. Does I/O. @throws Pop3Error */
  async rset(): Promise<void> {
    return this.#exclusive(() => cmd.simple(this.#session, 'RSET', 'RSET'))
  }

  /** `NOOP`. Does I/O. @throws Pop3Error */
  async noop(): Promise<void> {
    return this.#exclusive(() => cmd.simple(this.#session, 'NOOP', 'NOOP'))
  }

  /**
   * `QUIT`: applies deletions (RFC 1939 §6) and closes with TLS close_notify. Does I/O.
   * @throws Pop3Error COMMAND_FAILED if the server could not remove every marked message.
   */
  async quit(): Promise<void> {
    return this.#exclusive(() => cmd.quit(this.#session))
  }

  /**
   * Closes without QUIT, so no deletion is applied: sends TLS close_notify and FIN, and destroys the
   * socket shortly after if the server lingers. A running command rejects with CLOSED. Never throws.
   */
  close(): void {
    this.#session.wire.end()
  }
}

/**
 * The configuration behind `Pop3Client.connect`: TLS options from the validated `tls` block, and the
 * caller's gate, after which the client itself records the socket as passed. Pure.
 */
function configFromOptions(o: ParsedConnectOptions): SessionConfig {
  const gate = o.gate
  return {
    transport: o.transport,
    dial: { host: o.host, port: o.port },
    tls: nodeTlsOptions(o, servernameFor(o)),
    // `async` turns a synchronous throw from the caller's gate into a refusal, too.
    gate: async (ctx) => {
      await gate(ctx)
      markPassed(ctx.socket)
    },
    timeouts: o.timeouts,
    limits: o.limits,
    signal: o.signal,
  }
}

/**
 * After connect the app's signal still cancels: the socket is destroyed at once (no QUIT, so no
 * deletion is applied), the command in flight rejects with MUASTS_ERR_ABORTED and later ones with
 * CLOSED. The listener is removed when the socket closes, so a long-lived signal keeps none.
 */
function cancelOnAbort(s: Session): void {
  const signal = s.options.signal
  if (signal === undefined) return
  const cancel = (reason: unknown): void =>
    s.wire.fail(
      new SdkError(
        ErrorCode.Aborted,
        'POP3 session cancelled by the app; the connection was closed without QUIT, so no deletion was applied.',
        { cause: reason },
      ),
    )
  if (signal.aborted) cancel(signal.reason)
  else s.socket.once('close', whenAborted(signal, cancel))
}

/** An authenticated POP3 client whose connection passed the commitment check. */
export interface GuardedPop3 extends Pop3Client {
  /** The commitment this connection was checked against, including anything learned from it. */
  readonly commitment: Commitment
  /**
   * The security record of this connection (issue #14): TLS version, cipher suite, key-exchange group,
   * leaf SPKI hash and issuer, DANE status, and the properties it was checked against.
   */
  readonly security: SecurityRecord
}

/** Built only by connectPop3, after the Guard passed the socket and the login succeeded. */
export class GuardedPop3Client extends Pop3Client implements GuardedPop3 {
  readonly commitment: Commitment
  readonly #security: () => SecurityRecord | undefined

  /**
   * `idleMs`: the session is closed after this long without traffic in either direction (RFC 1939 §3
   * lets servers log an idle client out after 10 minutes anyway); later calls reject with
   * MUASTS_ERR_POP3_CLOSED. The socket keeps the SDK's error listener for its whole life (wire.ts), so a
   * reset after login never becomes an unhandled 'error' event. `security` reads the record the Guard
   * took when it passed the connection (built on first read unless a record sink received it then).
   */
  constructor(
    session: Session,
    commitment: Commitment,
    security: () => SecurityRecord | undefined,
    idleMs: number,
  ) {
    super(session)
    this.commitment = commitment
    this.#security = security
    session.socket.setTimeout(idleMs, () => {
      session.wire.fail(
        new Pop3Error(Pop3ErrorCode.Timeout, `POP3 session was idle for ${idleMs} ms; closed`),
      )
    })
  }

  get security(): SecurityRecord {
    // The Guard records every connection it passes; only a test double of check() leaves it unset.
    const record = this.#security()
    if (record === undefined)
      throw new SdkError(ErrorCode.Internal, 'this POP3 connection has no security record')
    return record
  }
}
