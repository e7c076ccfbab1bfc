// In-memory CommitmentStore for tests (the SDK's and users'). Same semantics as FileStore, no durability.
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import {
  type AccountRef,
  type AuditRecord,
  type CeremonyChange,
  type Commitment,
  type CommitmentStore,
  checkForgetRequest,
  checkPinRotation,
  checkReplacement,
  ErrorCode,
  type ForgetRequest,
  joinOnto,
  type PinSet,
  SdkError,
  type Service,
  servicesOfCeremony as servicesOf,
} from '@mua-sts/core'
import { addedBy } from './forget-ceremony.js'

type Pending = { account: AccountRef; service: Service | undefined }

/**
 * A CommitmentStore in memory, for tests (the SDK's and users'): same merge, forget, replace and
 * rotatePins semantics as FileStore (including their coded errors), no durability, no integrity checks.
 * `audit` holds the ceremonies' records. Emits 'strengthened', 'forgotten' and 'replaced' like FileStore.
 */
export class MemoryCommitmentStore extends EventEmitter implements CommitmentStore {
  readonly #data = new Map<string, Commitment>()
  readonly #pending = new Map<string, Pending>()
  readonly audit: AuditRecord[] = []
  readonly #now: () => Date

  constructor(options: { now?: () => Date } = {}) {
    super()
    this.#now = options.now ?? (() => new Date())
  }

  async get(account: AccountRef, service: Service): Promise<Commitment | undefined> {
    return this.#data.get(`${account}/${service}`)
  }

  /** Joins with core `joinOnto` (a saved status URL is kept); like FileStore, a refused join (e.g. disjoint pins) writes nothing. */
  async strengthen(next: Commitment): Promise<Commitment> {
    const key = `${next.account}/${next.service}`
    const current = this.#data.get(key)
    const merged = joinOnto(current, next)
    this.#data.set(key, merged)
    this.emit('strengthened', merged)
    return merged
  }

  async list(account?: AccountRef): Promise<Commitment[]> {
    return [...this.#data.values()].filter((c) => account === undefined || c.account === account)
  }

  async requestForget(
    account: AccountRef,
    service?: Service,
  ): Promise<{ confirmation: string; commitments: Commitment[] }> {
    const commitments = this.#covered({ account, service })
    if (commitments.length === 0) throw new SdkError(ErrorCode.NoCommitment)
    const confirmation = randomUUID()
    this.#pending.set(confirmation, { account, service })
    return { confirmation, commitments }
  }

  async forget(request: ForgetRequest): Promise<AuditRecord> {
    return this.#ceremony(request, () => ({ kind: 'forget' }))
  }

  async replace(request: ForgetRequest, next: readonly Commitment[]): Promise<AuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'replace', next: checkReplacement(p, next) }))
  }

  async rotatePins(request: ForgetRequest, pins: PinSet): Promise<AuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'rotate-pins', pins: checkPinRotation(p, pins) }))
  }

  #covered(p: Pending): Commitment[] {
    return [...this.#data.values()].filter(
      (c) => c.account === p.account && (p.service === undefined || c.service === p.service),
    )
  }

  async #ceremony(request: ForgetRequest, change: (p: Pending) => CeremonyChange): Promise<AuditRecord> {
    checkForgetRequest(request, this.#pending)
    const pending = this.#pending.get(request.confirmation) as Pending
    const what = change(pending)
    this.#pending.delete(request.confirmation)
    const removed = this.#covered(pending)
    if (removed.length === 0) throw new SdkError(ErrorCode.NoCommitment)
    const now = this.#now()
    const added = addedBy(what, removed, now)
    for (const c of removed) this.#data.delete(`${c.account}/${c.service}`)
    for (const c of added) this.#data.set(`${c.account}/${c.service}`, c)
    const record: AuditRecord = {
      kind: what.kind,
      at: now.toISOString(),
      account: pending.account,
      services: servicesOf(removed, added),
      actor: request.actor,
      reason: request.reason,
      removed,
      ...(what.kind === 'forget' ? {} : { added }),
    }
    this.audit.push(record)
    this.emit(what.kind === 'forget' ? 'forgotten' : 'replaced', record)
    return record
  }
}
