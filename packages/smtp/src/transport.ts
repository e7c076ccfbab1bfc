// The nodemailer custom transport (integration notes §2.2): apps keep calling
// `nodemailer.createTransport(guardedSmtpTransport(options)).sendMail()` / `.verify()`, and every
// connection behind those calls is opened, checked and authenticated by openSession().
import { ErrorCode, SdkError, type SecurityRecord } from '@mua-sts/core'
import { Guard, SDK_VERSION } from '@mua-sts/transport'
import type { MailMessage, Transport } from 'nodemailer'
import { DnsCache } from './dns-cache.js'
import type { GuardedSentMessageInfo, GuardedSession } from './guarded-session.js'
import {
  type GuardedSmtpOptions,
  type ParsedSmtpOptions,
  parseSmtpOptions,
  refuseOwnedOption,
} from './options.js'
import { SessionPool } from './pool.js'
import { openSession, type SessionEnv, transportLogger } from './session.js'

type Callback<T> = (err: Error | null, value?: T) => void

/**
 * A nodemailer transport whose every connection is checked against the account's commitment before
 * AUTH. Create it with {@link guardedSmtpTransport}.
 */
export class GuardedSmtpTransport implements Transport<GuardedSentMessageInfo> {
  readonly name = 'mua-sts-smtp'
  readonly version = SDK_VERSION
  readonly #guard: Guard
  readonly #options: ParsedSmtpOptions
  readonly #env: SessionEnv
  readonly #pool: SessionPool | undefined
  #socketOverride = false
  #security: SecurityRecord | undefined

  constructor(options: GuardedSmtpOptions) {
    this.#options = parseSmtpOptions(options)
    this.#guard = new Guard(this.#options.guard, 'submission', '@mua-sts/smtp')
    this.#env = {
      guard: this.#guard,
      options: this.#options,
      log: transportLogger(this.#options),
      dns: new DnsCache(),
    }
    this.#pool = this.#options.pool
      ? new SessionPool(() => this.#open(), this.#options.maxConnections, this.#options.maxMessages)
      : undefined
  }

  /**
   * nodemailer's Mail copies a `getSocket` (proxy) handler onto its transport before sending. Sockets
   * are the SDK's to open, so such a handler is never called and the next send or verify fails with
   * MUASTS_ERR_INVALID_OPTION instead.
   */
  set getSocket(_handler: unknown) {
    this.#socketOverride = true
  }
  get getSocket(): undefined {
    return undefined
  }

  /** nodemailer calls this for every `sendMail()`. Does I/O. */
  send(mail: MailMessage<GuardedSentMessageInfo>, callback: Callback<GuardedSentMessageInfo>): void {
    this.#send(mail).then(
      (info) => callback(null, info),
      (err: Error) => callback(err),
    )
  }

  /**
   * Opens a guarded session, authenticates and quits. Resolves `true` only when AUTH succeeded over a
   * connection that met the commitment. Does I/O.
   */
  verify(): Promise<true>
  verify(callback: Callback<true>): void
  verify(callback?: Callback<true>): Promise<true> | undefined {
    const p = this.#verify()
    if (callback === undefined) return p
    p.then(
      (v) => callback(null, v),
      (err: Error) => callback(err),
    )
    return undefined
  }

  /** Ends pooled sessions (idle ones now, busy ones after their message). */
  close(): void {
    this.#pool?.close()
  }

  /** True when a message can start without waiting (always, unless the pool is busy). */
  isIdle(): boolean {
    return this.#pool?.isIdle() ?? true
  }

  /**
   * The security record of the most recent connection this transport opened and the guard passed
   * (issue #14: TLS version, cipher suite, key-exchange group, leaf key, what was checked); undefined
   * before the first one. Each `sendMail()` result also carries its own connection's record.
   */
  get security(): SecurityRecord | undefined {
    return this.#security
  }

  async #open(): Promise<GuardedSession> {
    const session = await openSession(this.#env)
    this.#security = session.security
    return session
  }

  #refuseOverrides<T>(mail?: MailMessage<T>): void {
    if (this.#socketOverride) refuseOwnedOption('getSocket')
    if (mail?.data.auth !== undefined) {
      throw new SdkError(
        ErrorCode.InvalidOption,
        '@mua-sts/smtp sendMail: per-message auth is not supported; credentials are set on the transport.',
        { details: { option: 'auth' } },
      )
    }
  }

  async #verify(): Promise<true> {
    this.#refuseOverrides()
    const session = await this.#open()
    session.quit()
    await session.learned
    return true
  }

  async #send(mail: MailMessage<GuardedSentMessageInfo>): Promise<GuardedSentMessageInfo> {
    this.#refuseOverrides(mail)
    const pool = this.#pool
    const session = pool === undefined ? await this.#open() : await pool.acquire()
    let reusable = false
    try {
      const info = await session.send(mail)
      reusable = true
      await session.learned
      return info
    } finally {
      // One message per connection: close the way bare nodemailer does, with no extra QUIT turn.
      if (pool === undefined) session.close()
      else pool.release(session, reusable)
    }
  }
}

/**
 * Creates the guarded SMTP submission transport. Validates `options` eagerly; does no I/O.
 * @throws SdkError MUASTS_ERR_INVALID_OPTION for a bad option or one the SDK owns (host, port, secure,
 *   requireTLS, ignoreTLS, opportunisticTLS, forceAuth, tls, connection, getSocket, proxy, …).
 */
export function guardedSmtpTransport(options: GuardedSmtpOptions): GuardedSmtpTransport {
  return new GuardedSmtpTransport(options)
}
