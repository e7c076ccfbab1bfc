// The temporary store a credential test runs against: it holds only the proposed commitments, so the
// guarded client enforces exactly what will be pinned, and whatever the guard learns during the test
// (guard.learn) stays here until confirm() decides to persist it. Nothing in it is durable.
import {
  type AccountRef,
  type AuditRecord,
  type Commitment,
  type CommitmentStore,
  ErrorCode,
  merge,
  SdkError,
  type Service,
} from '@mua-sts/core'

const key = (account: AccountRef, service: Service): string => `${account}/${service}`

/**
 * In-memory CommitmentStore seeded with the commitments under test; it cannot gain new entries, forget,
 * replace or rotate pins.
 */
export class StagingStore implements CommitmentStore {
  readonly #data = new Map<string, Commitment>()

  constructor(commitments: readonly Commitment[]) {
    for (const c of commitments) this.#data.set(key(c.account, c.service), c)
  }

  async get(account: AccountRef, service: Service): Promise<Commitment | undefined> {
    return this.#data.get(key(account, service))
  }

  /**
   * Joins `next` into the staged commitment (never weakens). Refuses entries that were not proposed and
   * any other endpoint: what gets pinned is the endpoint the user confirmed, nothing a test learned.
   */
  async strengthen(next: Commitment): Promise<Commitment> {
    const k = key(next.account, next.service)
    const current = this.#data.get(k)
    if (current === undefined) {
      throw new SdkError(ErrorCode.InvalidOption, `staging store: ${k} was not proposed`)
    }
    const a = current.endpoint
    const b = next.endpoint
    if (a.host !== b.host || a.port !== b.port || a.transport !== b.transport) {
      throw new SdkError(ErrorCode.InvalidOption, `staging store: ${k} must keep the proposed endpoint`)
    }
    const merged = merge(current, next)
    this.#data.set(k, merged)
    return merged
  }

  async list(account?: AccountRef): Promise<Commitment[]> {
    return [...this.#data.values()].filter((c) => account === undefined || c.account === account)
  }

  requestForget(): Promise<{ confirmation: string; commitments: Commitment[] }> {
    return Promise.reject(new SdkError(ErrorCode.ConfirmationRequired, 'a staging store cannot forget'))
  }

  forget(): Promise<AuditRecord> {
    return Promise.reject(new SdkError(ErrorCode.ConfirmationRequired, 'a staging store cannot forget'))
  }

  /** Refused: a staging store never runs ceremonies (only confirm() may, on the real store). */
  replace(): Promise<AuditRecord> {
    return Promise.reject(new SdkError(ErrorCode.ConfirmationRequired, 'a staging store cannot replace'))
  }

  /** Refused: a staging store never runs ceremonies; a credential test cannot re-pin keys. */
  rotatePins(): Promise<AuditRecord> {
    return Promise.reject(new SdkError(ErrorCode.ConfirmationRequired, 'a staging store cannot rotate pins'))
  }
}
