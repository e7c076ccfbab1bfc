// ImapFlow with two tripwires (integration notes §1.3, experiment K). The transport is the real gate;
// these catch a future imapflow that reaches ID or authentication on a socket the guard never passed
// (a new connect path, a resumed socket, a changed STARTTLS flow): it throws instead of sending.
import type { Commitment } from '@mua-sts/core'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { assertPassed } from '@mua-sts/transport'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'

/** imapflow 2.10.2 internals the tripwires hook; `authenticate` is `@internal` (not in its typings). */
type Internals = {
  authenticate?: (this: ImapFlow) => Promise<unknown>
  upgradeToSTARTTLS?: (this: ImapFlow) => Promise<boolean>
}
const base = ImapFlow.prototype as unknown as Internals

/**
 * Fails closed if imapflow no longer has the methods the tripwires override: an override of a method
 * that is never called would be a silent bypass. Does no I/O.
 * @throws SdkError MUASTS_ERR_INTERNAL
 */
export function assertImapflowInternals(): void {
  if (typeof base.authenticate !== 'function' || typeof base.upgradeToSTARTTLS !== 'function') {
    throw new SdkError(
      ErrorCode.Internal,
      'This imapflow version lacks authenticate()/upgradeToSTARTTLS(); @mua-sts/imap refuses to run on it.',
    )
  }
}

/** An authenticated imapflow client whose connection passed the commitment check. */
export interface GuardedImap extends ImapFlow {
  /** The commitment this connection was checked against, including anything learned from it. */
  readonly commitment: Commitment
}

export class GuardedImapFlow extends ImapFlow implements GuardedImap {
  #commitment: Commitment

  constructor(options: ImapFlowOptions, commitment: Commitment) {
    super(options)
    this.#commitment = commitment
  }

  get commitment(): Commitment {
    return this.#commitment
  }

  /** Called by connectImap after learning; not part of the app-facing type. */
  setCommitment(c: Commitment): void {
    this.#commitment = c
  }

  /** The socket imapflow currently holds (a runtime property missing from its typings). */
  currentSocket(): unknown {
    return (this as unknown as { socket?: unknown }).socket
  }

  /**
   * Tripwire 1, before the client `ID`: imapflow calls this between CAPABILITY and ID (2.10.2
   * `startSession`); whichever way TLS came up, the socket must be the one the guard passed.
   */
  override async upgradeToSTARTTLS(): Promise<boolean> {
    const upgraded = await (base.upgradeToSTARTTLS as NonNullable<Internals['upgradeToSTARTTLS']>).call(this)
    assertPassed(this.currentSocket() as object | null | undefined, 'imapflow upgradeToSTARTTLS()')
    return upgraded
  }

  /** Tripwire 2, immediately before LOGIN / AUTHENTICATE writes a credential byte. */
  async authenticate(): Promise<unknown> {
    assertPassed(this.currentSocket() as object | null | undefined, 'imapflow authenticate()')
    return (base.authenticate as NonNullable<Internals['authenticate']>).call(this)
  }
}
