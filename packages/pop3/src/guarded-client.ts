// The client connectPop3 returns: an ordinary Pop3Client, authenticated, plus the commitment its
// connection was checked against (including anything learned from the post-TLS CAPA).
import type { Commitment } from '@mua-sts/core'
import { Pop3Client } from './client.js'
import type { Session } from './connect.js'

/** An authenticated POP3 client whose connection passed the commitment check. */
export interface GuardedPop3 extends Pop3Client {
  /** The commitment this connection was checked against, including anything learned from it. */
  readonly commitment: Commitment
}

/** Built only by connectPop3, after the Guard passed the socket and the login succeeded. */
export class GuardedPop3Client extends Pop3Client implements GuardedPop3 {
  readonly commitment: Commitment

  constructor(session: Session, commitment: Commitment) {
    super(session)
    this.commitment = commitment
  }
}
