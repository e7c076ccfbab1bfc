// FileStore: the durable, tamper-evident, multi-process-safe CommitmentStore (issue #3, house style H16).
//
// Layout of a store directory (all files 0600, directory 0700):
//   <sha256(account)>.json   one file per account, canonical JSON, MACed (format/store-file.ts)
//   store.json               marker: integrity mode, key fingerprint (integrity/store-marker.ts)
//   audit.jsonl              forget audit trail (audit/audit-log.ts)
//   .lock                    cross-process write lock (fs/dir-lock.ts)
//   quarantine/              files that failed verification and were then forgotten by the user
// Keychain (SecretStore): the integrity key, its probe and the high-water marks (integrity/open-keys.ts).
//
// Reads take no lock (rename is atomic) and always verify. Writes take the lock, re-read and verify the
// current file, join with core `merge`, write atomically, then record the high-water mark; so concurrent
// strengtheners never lose a latch, and nothing older than the mark is ever accepted again.
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type AccountRef,
  AccountRefSchema,
  type Commitment,
  CommitmentSchema,
  type CommitmentStore,
  ErrorCode,
  type ForgetRequest,
  isSdkError,
  merge,
  SdkError,
  type Service,
  ServiceSchema,
} from '@mua-sts/core'
import { AccountFiles } from './account-files.js'
import { AuditLog, type StoreAuditRecord } from './audit/audit-log.js'
import { type FileStoreOptions, type ResolvedOptions, resolveOptions } from './file-store-options.js'
import {
  forgetUnderLock,
  nextSeq,
  type PendingForget,
  resettable,
  selectServices,
} from './forget-ceremony.js'
import { checkForgetRequest } from './forget-request.js'
import { canonicalJson } from './format/canonical-json.js'
import { type AccountBody, fileIdOf, type ServiceCommitments } from './format/store-file.js'
import { acquireLock, type HeldLock } from './fs/dir-lock.js'
import type { StoreKeys } from './integrity/keys.js'
import { MarkKeeper } from './integrity/mark-keeper.js'
import type { Marks } from './integrity/marks.js'
import { openKeys, type SecretNames, secretNames } from './integrity/open-keys.js'
import { newMarker, readMarker, writeMarker } from './integrity/store-marker.js'
import { errnoOf, io } from './store-errors.js'

const LOCK_FILE = '.lock'
const INTEGRITY_CODES: ReadonlySet<string> = new Set([
  ErrorCode.StoreCorrupt,
  ErrorCode.StoreRollback,
  ErrorCode.KeychainUnavailable,
])

/** Payload of the 'integrity-failure' event: the store refused data (or the keychain) and threw `error`. */
export type IntegrityFailure = {
  readonly code: ErrorCode
  readonly reason: string
  /** The account whose data failed, when the failure concerns one account. */
  readonly account?: AccountRef
  readonly error: SdkError
}

/** Events of a FileStore. Informational only (house style H19): a throwing listener is contained. */
export type FileStoreEvents = {
  strengthened: [commitment: Commitment]
  forgotten: [record: StoreAuditRecord]
  'integrity-failure': [failure: IntegrityFailure]
}

type Opened = { readonly keys: StoreKeys | null; readonly files: AccountFiles; readonly audit: AuditLog }

function invalid(what: string, cause: unknown): SdkError {
  return new SdkError(ErrorCode.InvalidOption, `FileStore: ${what}`, { cause })
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

/**
 * The default CommitmentStore: one MACed file per account in a directory, key and anti-rollback marks in
 * the OS keychain (keytar by default). See the package README for the file format and threat model.
 */
export class FileStore extends EventEmitter<FileStoreEvents> implements CommitmentStore {
  /** Absolute store directory. */
  readonly dir: string
  /** Names the keychain items of this store. */
  readonly storeId: string
  readonly #o: ResolvedOptions
  readonly #names: SecretNames | null
  readonly #marks: MarkKeeper | null
  readonly #pending = new Map<string, PendingForget>()
  #opened: Promise<Opened> | undefined
  #queue: Promise<unknown> = Promise.resolve()

  /** Validates options (throws MUASTS_ERR_INVALID_OPTION). No I/O until the first call or `ready()`. */
  constructor(options: FileStoreOptions = {}) {
    super()
    this.#o = resolveOptions(options)
    this.dir = this.#o.dir
    this.storeId = this.#o.storeId
    this.#names = this.#o.secrets === null ? null : secretNames(this.#o.storeId)
    this.#marks =
      this.#o.secrets === null || this.#names === null ? null : new MarkKeeper(this.#o.secrets, this.#names)
  }

  /** Constructs a store and opens it (key, marker); rejects with the same codes as `ready()`. */
  static async open(options: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(options)
    await store.ready()
    return store
  }

  /**
   * Opens the store: creates the directory, and the integrity key for a new store; otherwise checks the
   * key. Does I/O. Throws MUASTS_ERR_KEYCHAIN_UNAVAILABLE, _STORE_CORRUPT, _STORE_ROLLBACK, _STORE_IO,
   * _STORE_LOCKED. A failure is not remembered: the next call tries again (e.g. after an unlock).
   */
  async ready(): Promise<void> {
    await this.#reported(undefined, () => this.#ready())
  }

  /** Verified commitment of (account, service), or undefined. Does I/O (one lstat when warm). */
  async get(account: AccountRef, service: Service): Promise<Commitment | undefined> {
    const ref = checkAccount(account)
    const svc = checkService(service)
    return this.#reported(ref, async () => {
      const { files } = await this.#ready()
      return (await files.read(ref, () => this.#freshMarks()))?.commitments[svc]
    })
  }

  /** Durably joins `next` into the stored commitment under the lock; returns what is now stored. */
  async strengthen(next: Commitment): Promise<Commitment> {
    const parsed = CommitmentSchema.safeParse(next)
    if (!parsed.success) throw invalid('strengthen() needs a valid commitment', parsed.error)
    const c = parsed.data
    return this.#reported(c.account, async () => {
      const { files } = await this.#ready()
      const result = await this.#exclusive(async (lock) => {
        const marks = await this.#freshMarks()
        const current = files.readFresh(c.account, marks)
        const before = current?.commitments[c.service]
        const merged = before === undefined ? c : merge(before, c)
        // The join can outgrow the schema's bounds (e.g. a 65th latch); never write what cannot be read back.
        const bounded = CommitmentSchema.safeParse(merged)
        if (!bounded.success) throw invalid('the joined commitment exceeds the stored limits', bounded.error)
        const unchanged = before !== undefined && canonicalJson(merged) === canonicalJson(before)
        if (unchanged && current?.migratedFrom === undefined) return { commitment: before, wrote: false }
        const commitments: ServiceCommitments = { ...current?.commitments, [c.service]: merged }
        const body = { account: c.account, seq: nextSeq(current, marks, c.account), commitments }
        await this.#commit(files, lock, marks, body)
        return { commitment: merged, wrote: true }
      })
      if (result.wrote) this.#notify('strengthened', result.commitment)
      return result.commitment
    })
  }

  /** Every verified commitment of one account, or of all accounts (sorted by account, then service). */
  async list(account?: AccountRef): Promise<Commitment[]> {
    const ref = account === undefined ? undefined : checkAccount(account)
    return this.#reported(ref, async () => {
      const { files } = await this.#ready()
      if (ref !== undefined) return selectServices(await files.read(ref, () => this.#freshMarks()), undefined)
      const bodies = await files.readAll(await this.#freshMarks())
      bodies.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0))
      return bodies.flatMap((b) => selectServices(b, undefined))
    })
  }

  /**
   * Step 1 of the forget ceremony: a one-time confirmation token and what would be removed. For an
   * account whose file fails verification (corrupt or rolled back) the token is still issued, with
   * `integrity` set and no commitments, so the user can knowingly reset it; that works only for the whole
   * account (`service` omitted). Throws MUASTS_ERR_NO_COMMITMENT if there is nothing to forget.
   */
  async requestForget(
    account: AccountRef,
    service?: Service,
  ): Promise<{ confirmation: string; commitments: Commitment[]; integrity?: ErrorCode }> {
    const ref = checkAccount(account)
    const svc = service === undefined ? undefined : checkService(service)
    const { files } = await this.#reported(ref, () => this.#ready())
    let commitments: Commitment[] = []
    let integrity: ErrorCode | undefined
    try {
      commitments = selectServices(await files.read(ref, () => this.#freshMarks()), svc)
    } catch (error) {
      this.#failed(ref, error)
      if (!resettable(error) || svc !== undefined) throw error
      integrity = error.code
    }
    if (commitments.length === 0 && integrity === undefined) throw new SdkError(ErrorCode.NoCommitment)
    const confirmation = randomBytes(16).toString('base64url')
    this.#pending.set(confirmation, { account: ref, service: svc, unverified: integrity !== undefined })
    return integrity === undefined ? { confirmation, commitments } : { confirmation, commitments, integrity }
  }

  /**
   * Step 2: removes the requested commitments under the lock after appending a durable audit record,
   * then emits 'forgotten'. An unverifiable file is kept in quarantine/, never deleted. Throws
   * MUASTS_ERR_CONFIRMATION_REQUIRED for a missing, used or mismatched token, a short reason or no actor.
   */
  async forget(request: ForgetRequest): Promise<StoreAuditRecord> {
    checkForgetRequest(request, this.#pending)
    const pending = this.#pending.get(request.confirmation) as PendingForget
    this.#pending.delete(request.confirmation)
    const account = pending.account
    return this.#reported(account, async () => {
      const { files, audit } = await this.#ready()
      const record = await this.#exclusive(async (lock) => {
        const marks = await this.#freshMarks()
        const plan = await forgetUnderLock({ files, audit, marks, pending, request, now: this.#o.now() })
        await this.#commit(files, lock, marks, plan.body, plan.auditHead)
        return plan.record
      })
      this.#notify('forgotten', record)
      return record
    })
  }

  /** The verified audit trail of forget ceremonies, oldest first. Does I/O. */
  async audit(): Promise<StoreAuditRecord[]> {
    return this.#reported(undefined, async () => {
      const { audit } = await this.#ready()
      return audit.read(await this.#freshMarks())
    })
  }

  #ready(): Promise<Opened> {
    this.#opened ??= this.#open().catch((error: unknown) => {
      this.#opened = undefined
      throw error
    })
    return this.#opened
  }

  async #open(): Promise<Opened> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw io('create directory', error)
    }
    const { secrets } = this.#o
    const keys =
      secrets === null || this.#names === null
        ? await this.#openUnprotected()
        : await openKeys({
            dir: this.dir,
            storeId: this.storeId,
            secrets,
            names: this.#names,
            now: this.#o.now,
            exclusive: (work) => this.#exclusive(() => work()),
          })
    return {
      keys,
      files: new AccountFiles(this.dir, keys, this.#o.maxFileBytes),
      audit: new AuditLog(this.dir, keys),
    }
  }

  async #openUnprotected(): Promise<null> {
    const marker = await readMarker(this.dir)
    if (marker?.integrity === 'keychain') {
      throw new SdkError(
        ErrorCode.InvalidOption,
        "FileStore options.integrity: this store is keychain-protected and cannot be opened with 'none-explicit-opt-in'",
      )
    }
    if (marker !== undefined) return null
    return this.#exclusive(async () => {
      if ((await readMarker(this.dir)) === undefined) {
        const m = { integrity: 'none-explicit-opt-in', backend: null, keyId: null } as const
        await writeMarker(this.dir, newMarker({ ...m, storeId: this.storeId, now: this.#o.now() }))
      }
      return null
    })
  }

  /** Serialises this instance's writers, then takes the cross-process lock. */
  #exclusive<T>(work: (lock: HeldLock) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const lock = await acquireLock(join(this.dir, LOCK_FILE), this.#o.lockTimeoutMs)
      try {
        return await work(lock)
      } finally {
        await lock.release()
      }
    })
    this.#queue = run.catch(() => {})
    return run
  }

  /** The authoritative marks (null in an unprotected store). */
  async #freshMarks(): Promise<Marks | null> {
    return this.#marks === null ? null : this.#marks.fresh()
  }

  /** Writes an account file, then its high-water mark (and the audit head), all under `lock`. */
  async #commit(
    files: AccountFiles,
    lock: HeldLock,
    marks: Marks | null,
    body: AccountBody,
    auditHead?: { records: number; head: string },
  ): Promise<void> {
    const hash = await files.write(body, () => lock.assertHeld())
    if (marks === null || this.#marks === null) return
    await lock.assertHeld()
    await this.#marks.record(marks, { fileId: fileIdOf(body.account), seq: body.seq, hash }, auditHead)
  }

  async #reported<T>(account: AccountRef | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      this.#failed(account, error)
      throw error
    }
  }

  #failed(account: AccountRef | undefined, error: unknown): void {
    if (!isSdkError(error) || !INTEGRITY_CODES.has(error.code)) return
    const detail = (error.details ?? {}) as { reason?: unknown }
    const reason = typeof detail.reason === 'string' ? detail.reason : error.message
    this.#notify('integrity-failure', {
      code: error.code,
      reason,
      ...(account === undefined ? {} : { account }),
      error,
    })
  }

  #notify<K extends keyof FileStoreEvents>(event: K, ...args: FileStoreEvents[K]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        ;(listener as (...a: FileStoreEvents[K]) => void).apply(this, args)
      } catch (error) {
        process.emitWarning(`FileStore '${String(event)}' listener threw: ${String(error)}`, 'MuaStsWarning')
      }
    }
  }
}
