// An authenticated submission session that passed the guard. It only ever exists after the check
// and the SASL exchange succeeded (session.ts is the sole constructor caller), so every message it
// sends goes over a connection that met the commitment.
import type { TLSSocket } from 'node:tls'
import { ErrorCode, SdkError, type SecurityRecord } from '@mua-sts/core'
import type { MailMessage, SentMessageInfo } from 'nodemailer'
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import type { SMTPConnectionSendInfo, SMTPEnvelope } from 'nodemailer/lib/smtp-connection'
import { call } from './connection.js'

/**
 * What `sendMail()` resolves with: nodemailer's SMTP result plus the envelope and Message-ID, and the
 * security record of the connection that carried the message (issue #14; the same name as IMAP's and
 * POP3's `client.security`).
 */
export type GuardedSentMessageInfo = SentMessageInfo &
  SMTPConnectionSendInfo & { readonly security: SecurityRecord }

export class GuardedSession {
  readonly #conn: SMTPConnection
  /** The TLS socket the guard passed; kept so tests and the tripwire can identify the session. */
  readonly socket: TLSSocket
  /** Settles once what this session advertised after TLS has been learned (never rejects). */
  readonly learned: Promise<void>
  /** The security record of this connection (TLS version, cipher, group, key, checks), from the guard. */
  readonly security: SecurityRecord
  #messages = 0
  #retired = false

  constructor(conn: SMTPConnection, socket: TLSSocket, learned: Promise<void>, security: SecurityRecord) {
    if (!conn.authenticated) throw new SdkError(ErrorCode.Internal, 'a guarded session must be authenticated')
    this.#conn = conn
    this.socket = socket
    this.learned = learned
    this.security = security
  }

  get messages(): number {
    return this.#messages
  }

  /** Open, authenticated and not retired by the pool. */
  get usable(): boolean {
    return !this.#retired && !this.#conn.destroyed && this.#conn.authenticated
  }

  /**
   * Sends one message (MAIL FROM, RCPT TO, DATA). Does I/O. Errors after authentication are
   * nodemailer's own (EENVELOPE, EMESSAGE, …), passed through unchanged for the app.
   */
  async send<T>(mail: MailMessage<T>): Promise<GuardedSentMessageInfo> {
    if (!this.usable) throw new SdkError(ErrorCode.Connection, 'SMTP session is no longer usable')
    const envelope = mail.message.getEnvelope()
    const messageId = mail.message.messageId()
    const smtpEnvelope: SMTPEnvelope = { from: envelope.from, to: envelope.to }
    if (mail.data.dsn) smtpEnvelope.dsn = mail.data.dsn
    if (mail.data.requireTLSExtensionEnabled) smtpEnvelope.requireTLSExtensionEnabled = true
    this.#messages++
    const info = await call<SMTPConnectionSendInfo>(this.#conn, (done) =>
      this.#conn.send(smtpEnvelope, mail.message.createReadStream(), done),
    )
    return {
      ...info,
      envelope: { from: envelope.from, to: envelope.to },
      messageId,
      security: this.security,
    }
  }

  /** The pool will not hand this session out again. */
  retire(): void {
    this.#retired = true
  }

  /** Polite end: QUIT, then close on the reply (RFC 5321 §4.1.1.10). */
  quit(): void {
    this.#retired = true
    if (!this.#conn.destroyed) this.#conn.quit()
  }

  /**
   * Ends the connection without QUIT, as bare nodemailer ends a non-pooled send (issue #17): the
   * message was accepted with the 250 reply to DATA, so responsibility for it has passed to the
   * server (RFC 5321 §6.1) and a QUIT would only cost one more round trip. RFC 5321 §4.1.1.10 asks
   * for QUIT before closing; sessions that outlive one message (pool, verify) still send it.
   */
  close(): void {
    this.#retired = true
    if (!this.#conn.destroyed) this.#conn.close()
  }
}
