// In-memory CommitmentStore for tests (the SDK's and users'). Same semantics as FileStore, no durability.
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import {
  type AccountRef,
  type AuditRecord,
  type Commitment,
  type CommitmentStore,
  ErrorCode,
  type ForgetRequest,
  merge,
  SdkError,
  type Service,
} from '@mua-sts/core'
import { checkForgetRequest } from './forget-request.js'

/**
 * A CommitmentStore in memory, for tests (the SDK's and users'): same merge and forget semantics as
 * FileStore, no durability, no integrity checks. `audit` holds the forget records.
 */
export class MemoryCommitmentStore extends EventEmitter implements CommitmentStore {
  readonly #data = new Map<string, Commitment>()
  readonly #pending = new Map<string, { account: AccountRef; service: Service | undefined }>()
  readonly audit: AuditRecord[] = []
  readonly #now: () => Date

  constructor(options: { now?: () => Date } = {}) {
    super()
    this.#now = options.now ?? (() => new Date())
  }

  async get(account: AccountRef, service: Service): Promise<Commitment | undefined> {
    return this.#data.get(`${account}/${service}`)
  }

  async strengthen(next: Commitment): Promise<Commitment> {
    const key = `${next.account}/${next.service}`
    const current = this.#data.get(key)
    const merged = current === undefined ? next : merge(current, next)
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
    const commitments = (await this.list(account)).filter(
      (c) => service === undefined || c.service === service,
    )
    if (commitments.length === 0) throw new SdkError(ErrorCode.NoCommitment)
    const confirmation = randomUUID()
    this.#pending.set(confirmation, { account, service })
    return { confirmation, commitments }
  }

  async forget(request: ForgetRequest): Promise<AuditRecord> {
    checkForgetRequest(request, this.#pending)
    this.#pending.delete(request.confirmation)
    const removed = (await this.list(request.account)).filter(
      (c) => request.service === undefined || c.service === request.service,
    )
    for (const c of removed) this.#data.delete(`${c.account}/${c.service}`)
    const record: AuditRecord = {
      kind: 'forget',
      at: this.#now().toISOString(),
      account: request.account,
      services: removed.map((c) => c.service),
      actor: request.actor,
      reason: request.reason,
      removed,
    }
    this.audit.push(record)
    this.emit('forgotten', record)
    return record
  }
}
