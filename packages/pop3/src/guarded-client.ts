// The client connectPop3 returns: an ordinary Pop3Client, authenticated, plus the commitment its
// connection was checked against (including anything learned from the post-TLS CAPA).
import { type Commitment, ErrorCode, SdkError, type SecurityRecord } from '@mua-sts/core'
import { Pop3Client } from './client.js'
import type { Session } from './connect.js'
import { Pop3Error, Pop3ErrorCode } from './errors.js'

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
  readonly #security: SecurityRecord | undefined

  /**
   * `idleMs`: the session is closed after this long without traffic in either direction (RFC 1939 §3
   * lets servers log an idle client out after 10 minutes anyway); later calls reject with
   * MUASTS_ERR_POP3_CLOSED. The socket keeps the SDK's error listener for its whole life (wire.ts), so a
   * reset after login never becomes an unhandled 'error' event.
   */
  constructor(
    session: Session,
    commitment: Commitment,
    security: SecurityRecord | undefined,
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
    if (this.#security === undefined)
      throw new SdkError(ErrorCode.Internal, 'this POP3 connection has no security record')
    return this.#security
  }
}
