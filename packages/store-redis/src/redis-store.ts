// RedisCommitmentStore: the CommitmentStore contract on Redis ≥ 7 for fleets of workers (issue #18).
//
// Keys per account (one hash slot, see record/keys.ts):
//   <prefix>:{<account>}:rec     sealed record: every service's commitment, version `seq`, audit count
//   <prefix>:{<account>}:audit   stream of sealed audit records (the ceremonies)
//
// Every read verifies the MAC, the schema, the account and the version against the high-water marks.
// Every write is optimistic: read and verify, join in TypeScript (core `joinOnto`), then a Lua
// compare-and-set writes only if the record is still byte-for-byte what was read; on a lost race, read
// again, up to `maxAttempts`. So concurrent workers never lose a property, and no lattice lives in Lua.
import { randomBytes, randomInt } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type AccountRef,
  AccountRefSchema,
  type AuditRecord,
  type CeremonyChange,
  type CeremonyScope,
  type Commitment,
  CommitmentSchema,
  type CommitmentStore,
  checkForgetRequest,
  checkPinRotation,
  checkReplacement,
  ErrorCode,
  type ForgetRequest,
  joinOnto,
  type PinSet,
  SdkError,
  SERVICES,
  type Service,
  ServiceSchema,
} from '@mua-sts/core'
import { applyCeremony } from './ceremony/change.js'
import { createClient, type RedisClient, roundTrip, scanTargets } from './client/connection.js'
import { type RedisStoreOptions, type ResolvedStoreOptions, resolveStoreOptions } from './options.js'
import { type AccountRecord, decodeRecord, encodeRecord, stableJson } from './record/account-record.js'
import { decodeAudit, encodeAudit } from './record/audit-entry.js'
import { HighWater } from './record/high-water.js'
import { accountKeys, accountOfRecordKey, recordPattern } from './record/keys.js'
import { type Sealer, sealer } from './record/sealed.js'
import { contended, invalid, io } from './store-errors.js'

/** Events of a RedisCommitmentStore (informational; no decision depends on a listener, house style H19). */
export type RedisStoreEvents = {
  strengthened: [Commitment]
  forgotten: [AuditRecord]
  replaced: [AuditRecord]
}

/** Verified records kept to skip re-parsing unchanged bytes; the high-water marks are kept for all. */
const CACHE_ACCOUNTS = 10_000

type Read = { readonly raw: string | null; readonly record: AccountRecord | undefined }
type Write = { readonly record: AccountRecord; readonly audit?: AuditRecord }

/**
 * The CommitmentStore on Redis (single server or Redis Cluster), shared by any number of workers on
 * any number of hosts. Each method does I/O and throws MUASTS_ERR_STORE_IO when Redis cannot be reached
 * in time (never "no commitment"), MUASTS_ERR_STORE_CORRUPT / _STORE_ROLLBACK when a record fails
 * verification, MUASTS_ERR_STORE_CONTENDED when every compare-and-set attempt lost.
 */
export class RedisCommitmentStore extends EventEmitter<RedisStoreEvents> implements CommitmentStore {
  /** Key namespace. */
  readonly prefix: string
  readonly #o: ResolvedStoreOptions
  readonly #client: RedisClient
  readonly #seal: Sealer
  readonly #marks: HighWater
  readonly #pending = new Map<string, CeremonyScope>()
  /** Last verified value per account: a warm read whose bytes did not change skips the parse. */
  readonly #cache = new Map<AccountRef, { raw: string; record: AccountRecord }>()
  /** Write attempts and lost races since construction (the benchmark's retry rate). */
  readonly stats = { attempts: 0, conflicts: 0 }

  /** Validates options (MUASTS_ERR_INVALID_OPTION) and starts connecting in the background. */
  constructor(options: RedisStoreOptions) {
    super()
    this.#o = resolveStoreOptions(options)
    this.prefix = this.#o.prefix
    const { replicas, timeoutMs } = this.#o.durability
    this.#client = createClient(this.#o.connection, 'mua-sts-store', replicas > 0 ? timeoutMs : 0)
    this.#seal = sealer(this.#o.hmacKey, this.prefix)
    this.#marks = new HighWater(this.#o.highWater)
  }

  /** Constructs a store and waits until Redis answers; rejects with MUASTS_ERR_STORE_IO otherwise. */
  static async open(options: RedisStoreOptions): Promise<RedisCommitmentStore> {
    const store = new RedisCommitmentStore(options)
    try {
      await store.#io('open', () => store.#client.ping())
    } catch (error) {
      await store.close()
      throw error
    }
    return store
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect())
  }

  /** The verified commitment of (account, service), or undefined. One GET. */
  async get(account: AccountRef, service: Service): Promise<Commitment | undefined> {
    const ref = checkAccount(account)
    const svc = checkService(service)
    return (await this.#read(ref)).record?.commitments[svc]
  }

  /** Joins `next` onto what is stored (core `joinOnto`), atomically; returns what is now stored. */
  async strengthen(next: Commitment): Promise<Commitment> {
    const parsed = CommitmentSchema.safeParse(next)
    if (!parsed.success) throw invalid('strengthen() needs a valid commitment', parsed.error)
    const c = parsed.data
    let stored: Commitment = c
    const wrote = await this.#update(c.account, (current) => {
      const before = current?.commitments[c.service]
      // Throws MUASTS_ERR_PIN_CONFLICT for disjoint pins: propagated, nothing written.
      const joined = joinOnto(before, c)
      // The join can outgrow the schema's bounds (e.g. a 65th latch); never write what cannot be read back.
      const bounded = CommitmentSchema.safeParse(joined)
      if (!bounded.success) throw invalid('the joined commitment exceeds the stored limits', bounded.error)
      stored = bounded.data
      if (before !== undefined && stableJson(before) === stableJson(stored)) {
        stored = before
        return undefined
      }
      const commitments = { ...current?.commitments, [c.service]: stored }
      return {
        record: { account: c.account, seq: (current?.seq ?? 0) + 1, audit: current?.audit ?? 0, commitments },
      }
    })
    if (wrote) this.#notify('strengthened', stored)
    return stored
  }

  /** Every verified commitment of one account, or of all accounts (sorted by account, then service). */
  async list(account?: AccountRef): Promise<Commitment[]> {
    const accounts = account === undefined ? await this.#accounts() : [checkAccount(account)]
    const out: Commitment[] = []
    for (const a of accounts) {
      const { record } = await this.#read(a)
      for (const s of SERVICES) {
        const c = record?.commitments[s]
        if (c !== undefined) out.push(c)
      }
    }
    return out
  }

  /**
   * Step 1 of the forget ceremony: a one-time token (held by this store instance) and what it covers.
   * Throws MUASTS_ERR_NO_COMMITMENT if there is nothing to forget.
   */
  async requestForget(
    account: AccountRef,
    service?: Service,
  ): Promise<{ confirmation: string; commitments: Commitment[] }> {
    const ref = checkAccount(account)
    const svc = service === undefined ? undefined : checkService(service)
    const { record } = await this.#read(ref)
    const commitments = SERVICES.flatMap((s) =>
      svc === undefined || s === svc ? (record?.commitments[s] ?? []) : [],
    )
    if (commitments.length === 0) throw new SdkError(ErrorCode.NoCommitment)
    const confirmation = randomBytes(16).toString('base64url')
    this.#pending.set(confirmation, { account: ref, service: svc })
    return { confirmation, commitments }
  }

  /** Step 2: removes what the token covers, with one `forget` audit entry in the same atomic write. */
  async forget(request: ForgetRequest): Promise<AuditRecord> {
    return this.#ceremony(request, () => ({ kind: 'forget' }))
  }

  /** Step 2, alternative: removes what the token covers and writes `next` as given (no join). */
  async replace(request: ForgetRequest, next: readonly Commitment[]): Promise<AuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'replace', next: checkReplacement(p, next) }))
  }

  /** Step 2, alternative: replaces the pin set of the token's service (which the token must name). */
  async rotatePins(request: ForgetRequest, pins: PinSet): Promise<AuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'rotate-pins', pins: checkPinRotation(p, pins) }))
  }

  /** The verified audit records of one account, oldest first. Two round trips. */
  async audit(account: AccountRef): Promise<AuditRecord[]> {
    const ref = checkAccount(account)
    const { record } = await this.#read(ref)
    const entries = await this.#io('audit', () =>
      this.#client.xrange(accountKeys(this.prefix, ref).audit, '-', '+'),
    )
    const values = entries.map(([, fields]) => (fields[0] === 'entry' ? (fields[1] ?? '') : ''))
    return decodeAudit(this.#seal, ref, record?.audit ?? 0, values)
  }

  async #ceremony(
    request: ForgetRequest,
    change: (p: CeremonyScope) => CeremonyChange,
  ): Promise<AuditRecord> {
    const pending = checkForgetRequest(request, this.#pending)
    const what = change(pending)
    this.#pending.delete(request.confirmation)
    const now = this.#o.now?.() ?? new Date()
    let audit: AuditRecord | undefined
    await this.#update(pending.account, (current) => {
      const next = applyCeremony(current, pending, request, what, now)
      audit = next.audit
      return next
    })
    const record = audit as AuditRecord
    this.#notify(what.kind === 'forget' ? 'forgotten' : 'replaced', record)
    return record
  }

  /**
   * Read-verify-compute-CAS loop. `compute` returns undefined for "nothing to write". Returns whether a
   * write was committed. Backs off with jitter after a lost race (randomness is fine outside core).
   */
  async #update(
    account: AccountRef,
    compute: (current: AccountRecord | undefined) => Write | undefined,
  ): Promise<boolean> {
    const keys = accountKeys(this.prefix, account)
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      const { raw, record } = await this.#read(account)
      const write = compute(record)
      if (write === undefined) return false
      const value = encodeRecord(this.#seal, write.record)
      const entry = write.audit === undefined ? '' : encodeAudit(this.#seal, write.record.audit, write.audit)
      this.stats.attempts++
      if (await this.#cas(keys, raw ?? '', value, entry)) {
        this.#cache.delete(account)
        this.#remember(account, value, write.record)
        await this.#io('high-water', () => this.#marks.wrote(account, write.record.seq))
        return true
      }
      this.stats.conflicts++
      await sleep(randomInt(0, Math.min(2 ** attempt, 64)))
    }
    throw contended(account, this.#o.maxAttempts)
  }

  /** One pipelined round trip: the compare-and-set, then WAIT on the same node when durability asks. */
  async #cas(
    keys: { record: string; audit: string },
    expected: string,
    value: string,
    entry: string,
  ): Promise<boolean> {
    const { replicas, timeoutMs } = this.#o.durability
    const results = await this.#io('write', async () => {
      const p = this.#client.pipeline().muastsCas(keys.record, keys.audit, expected, value, entry)
      if (replicas > 0) p.wait(replicas, timeoutMs)
      const out = await p.exec()
      if (out === null) throw new Error('the pipeline was discarded')
      for (const [error] of out) if (error) throw error
      return out.map(([, v]): unknown => v)
    })
    if (results[0] !== 1) return false
    const acked = replicas > 0 ? Number(results[1]) : 0
    if (acked < replicas) {
      // Written on the primary but not yet on enough replicas: a failover now could lose it.
      throw io(
        'write',
        new Error(`WAIT: ${acked} of ${replicas} replicas acknowledged within ${timeoutMs} ms`),
        {
          acknowledged: acked,
        },
      )
    }
    return true
  }

  /** GET and verify one account's record against the high-water marks. */
  async #read(account: AccountRef): Promise<Read> {
    const key = accountKeys(this.prefix, account).record
    const [raw, floor] = await Promise.all([
      this.#io('read', () => this.#client.get(key)),
      this.#io('high-water', () => this.#marks.floor(account)),
    ])
    const cached = this.#cache.get(account)
    const record =
      raw === null ? undefined : cached?.raw === raw ? cached.record : decodeRecord(this.#seal, account, raw)
    this.#marks.check(account, record?.seq ?? 0, floor)
    this.#cache.delete(account)
    if (raw !== null && record !== undefined) this.#remember(account, raw, record)
    return { raw, record }
  }

  /** Caches a verified value; the oldest entry goes first past CACHE_ACCOUNTS (a worker may serve 100k accounts). */
  #remember(account: AccountRef, raw: string, record: AccountRecord): void {
    this.#cache.set(account, { raw, record })
    if (this.#cache.size > CACHE_ACCOUNTS) this.#cache.delete(this.#cache.keys().next().value as AccountRef)
  }

  /** Every account with a record key, from a SCAN of each master. */
  async #accounts(): Promise<AccountRef[]> {
    const found = new Set<string>()
    for (const node of scanTargets(this.#client)) {
      let cursor = '0'
      do {
        const [next, keys] = await this.#io('scan', () =>
          node.scan(cursor, 'MATCH', recordPattern(this.prefix), 'COUNT', 1000),
        )
        cursor = next
        for (const k of keys) {
          const a = accountOfRecordKey(this.prefix, k)
          if (a !== undefined) found.add(checkAccount(a))
        }
      } while (cursor !== '0')
    }
    return [...found].sort()
  }

  #io<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return roundTrip(this.#client, this.#o.connection.commandTimeoutMs ?? 2000, operation, work)
  }

  #notify<K extends keyof RedisStoreEvents>(event: K, ...args: RedisStoreEvents[K]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        ;(listener as (...a: RedisStoreEvents[K]) => void).apply(this, args)
      } catch (error) {
        process.emitWarning(
          `RedisCommitmentStore '${event}' listener threw: ${String(error)}`,
          'MuaStsWarning',
        )
      }
    }
  }
}

function checkAccount(account: unknown): AccountRef {
  const r = AccountRefSchema.safeParse(account)
  if (!r.success) throw invalid('not a valid account reference', r.error)
  return r.data
}

function checkService(service: unknown): Service {
  const r = ServiceSchema.safeParse(service)
  if (!r.success) throw invalid('not a valid service', r.error)
  return r.data
}
