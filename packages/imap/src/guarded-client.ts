// ImapFlow with two tripwires (integration notes §1.3, experiment K). The transport is the real gate;
// these catch a future imapflow that reaches ID or authentication on a socket the guard never passed
// (a new connect path, a resumed socket, a changed STARTTLS flow): it throws instead of sending.
// It also keeps the error a dead connection died of, so the next operation rejects with that coded
// error instead of a crash or an uncoded one (issue #13 item 5).
import type { Commitment, SecurityRecord } from '@mua-sts/core'
import { ErrorCode, ID_FIELDS_04, ID_FIELDS_05, SdkError } from '@mua-sts/core'
import { assertPassed } from '@mua-sts/transport'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'

/** imapflow 2.10.2 internals the tripwires hook; `authenticate` is `@internal` (not in its typings). */
type Internals = {
  authenticate?: (this: ImapFlow) => Promise<unknown>
  upgradeToSTARTTLS?: (this: ImapFlow) => Promise<boolean>
  run?: (this: ImapFlow, command: string, ...args: unknown[]) => Promise<unknown>
}
const base = ImapFlow.prototype as unknown as Internals

/**
 * Fails closed if imapflow no longer has the methods the tripwires override: an override of a method
 * that is never called would be a silent bypass. Does no I/O.
 * @throws SdkError MUASTS_ERR_INTERNAL
 */
export function assertImapflowInternals(): void {
  if (
    typeof base.authenticate !== 'function' ||
    typeof base.upgradeToSTARTTLS !== 'function' ||
    typeof base.run !== 'function'
  ) {
    throw new SdkError(
      ErrorCode.Internal,
      'This imapflow version lacks authenticate()/upgradeToSTARTTLS()/run(); @mua-sts/imap refuses to run on it.',
    )
  }
}

/** An authenticated imapflow client whose connection passed the commitment check. */
export interface GuardedImap extends ImapFlow {
  /** The commitment this connection was checked against, including anything learned from it. */
  readonly commitment: Commitment
  /**
   * The coded error the connection died of (a reset, a timeout, a protocol error), once it did; the
   * next command rejects with it. `undefined` while the connection is healthy.
   */
  readonly lastError: SdkError | undefined
  /**
   * The security record of this connection (issue #14): TLS version, cipher suite, key-exchange group,
   * leaf SPKI hash and issuer, DANE status, and the commitment properties it was checked against. Set
   * before connectImap resolves; the same record went to `mua-sts:security-record` and record sinks.
   */
  readonly security: SecurityRecord
}

/**
 * The ID fields a server with these capabilities may receive: DEEP -04 fields only where `DEEP` is
 * listed, -05 fields only where `STS` is (imapflow itself sends ID only where `ID` is listed). Pure.
 */
export function idFieldsForServer(
  info: Readonly<Record<string, unknown>>,
  capabilities: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): Record<string, unknown> {
  const has = (name: string): boolean => [...capabilities.keys()].some((k) => k.toUpperCase() === name)
  const deep = has('DEEP')
  const sts = has('STS')
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(info)) {
    if (ID_FIELDS_04.includes(k) && !deep) continue
    if (ID_FIELDS_05.includes(k) && !sts) continue
    out[k] = v
  }
  return out
}

export class GuardedImapFlow extends ImapFlow implements GuardedImap {
  #commitment: Commitment
  #lastError: SdkError | undefined
  #security: SecurityRecord | undefined
  readonly #beforeAuthenticate: () => void

  constructor(options: ImapFlowOptions, commitment: Commitment, beforeAuthenticate: () => void = () => {}) {
    super(options)
    this.#commitment = commitment
    this.#beforeAuthenticate = beforeAuthenticate
  }

  get lastError(): SdkError | undefined {
    return this.#lastError
  }

  /** Records what the connection died of (first error wins); not part of the app-facing type. */
  markBroken(error: SdkError): void {
    this.#lastError ??= error
  }

  /**
   * Every imapflow command goes through run(): once the connection died, its rejection is the coded
   * error it died of (imapflow's own NoConnection error stays as `cause`).
   */
  async run(command: string, ...args: unknown[]): Promise<unknown> {
    if (command === 'ID' && typeof args[0] === 'object' && args[0] !== null) {
      args = [idFieldsForServer(args[0] as Record<string, unknown>, this.capabilities), ...args.slice(1)]
    }
    try {
      return await (base.run as NonNullable<Internals['run']>).call(this, command, ...args)
    } catch (error) {
      const broken = this.#lastError
      if (broken === undefined || this.usable) throw error
      throw new SdkError(broken.code, broken.message, { cause: error, details: { ...broken.details } })
    }
  }

  /** logout() on a connection that already died just closes it: documented usage never rejects there. */
  override async logout(): Promise<void> {
    if (this.#lastError !== undefined && !this.usable) {
      this.close()
      return
    }
    await super.logout()
  }

  get commitment(): Commitment {
    return this.#commitment
  }

  get security(): SecurityRecord {
    if (this.#security === undefined)
      throw new SdkError(ErrorCode.Internal, 'security is set when connectImap() resolves')
    return this.#security
  }

  /** Called by connectImap once the check passed; not part of the app-facing type. */
  setSecurity(record: SecurityRecord): void {
    this.#security = record
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
    this.#beforeAuthenticate()
    return (base.authenticate as NonNullable<Internals['authenticate']>).call(this)
  }
}
