// FileStore: the durable, tamper-evident, multi-process-safe CommitmentStore (issue #3, house style H16).
//
// Layout of a store directory (all files 0600, directory 0700):
//   <sha256(account)>.json   one file per account, canonical JSON, MACed (format/store-file.ts)
//   store.json               marker: integrity mode, key fingerprint (integrity/store-marker.ts)
//   audit.jsonl              audit trail of the ceremonies (audit/audit-log.ts)
//   .lock                    cross-process write lock (fs/dir-lock.ts)
//   quarantine/              files that failed verification and were then forgotten or reset by the user
// Keychain (SecretStore): the integrity key, its probe and the high-water marks (integrity/open-keys.ts).
//
// Reads take no lock (rename is atomic) and always verify. Writes take the lock, re-read and verify the
// current file, join with core `joinOnto` (the merge, never displacing a saved status URL), write atomically, then record the high-water mark; so concurrent
// strengtheners never lose a latch, and nothing older than the mark is ever accepted again.
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import {
  type AccountRef,
  type CeremonyChange,
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
  type Service,
} from '@mua-sts/core'
import { checkAccount, checkService, invalid } from './arguments.js'
import type { StoreAuditRecord } from './audit/audit-log.js'
import { type FileStoreEvents, integrityFailureOf } from './file-store-events.js'
import { type FileStoreOptions, type ResolvedOptions, resolveOptions } from './file-store-options.js'
import { StoreWriter } from './file-store-writer.js'
import {
  ceremonyUnderLock,
  nextSeq,
  type PendingForget,
  resettable,
  selectServices,
} from './forget-ceremony.js'
import { canonicalJson } from './format/canonical-json.js'
import { fileIdOf, type ServiceCommitments } from './format/store-file.js'
import type { HeldLock } from './fs/dir-lock.js'
import { MarkKeeper } from './integrity/mark-keeper.js'
import type { Marks } from './integrity/mark-snapshot.js'
import { type SecretNames, secretNames } from './integrity/open-keys.js'
import { readMarker } from './integrity/store-marker.js'
import { type Opened, openStore } from './open-store.js'
import type { ResetConfirmation, ResetRequest } from './reset/reset-request.js'
import { StoreReset } from './reset/store-reset.js'
import { corrupt } from './store-errors.js'

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
  readonly #writer: StoreWriter
  readonly #pending = new Map<string, PendingForget>()
  readonly #reset: StoreReset | null
  #opened: Promise<Opened> | undefined

  /** Validates options (throws MUASTS_ERR_INVALID_OPTION). No I/O until the first call or `ready()`. */
  constructor(options: FileStoreOptions = {}) {
    super()
    this.#o = resolveOptions(options)
    this.dir = this.#o.dir
    this.storeId = this.#o.storeId
    this.#names = this.#o.secrets === null ? null : secretNames(this.#o.storeId)
    this.#marks =
      this.#o.secrets === null || this.#names === null
        ? null
        : new MarkKeeper(this.#o.secrets, this.#names, this.#o.dir)
    this.#writer = new StoreWriter(this.#o.dir, this.#o.lockTimeoutMs, this.#marks)
    const { secrets } = this.#o
    this.#reset =
      secrets === null || this.#names === null || this.#marks === null
        ? null
        : new StoreReset({
            ...{ dir: this.dir, storeId: this.storeId, secrets, names: this.#names, marks: this.#marks },
            ...{ now: this.#o.now, exclusive: (work) => this.#writer.exclusive(work) },
          })
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
      return (await files.read(ref, () => this.#freshMarks(), this.#knownMarks))?.commitments[svc]
    })
  }

  /** Durably joins `next` into the stored commitment under the lock; returns what is now stored. */
  async strengthen(next: Commitment): Promise<Commitment> {
    const parsed = CommitmentSchema.safeParse(next)
    if (!parsed.success) throw invalid('strengthen() needs a valid commitment', parsed.error)
    const c = parsed.data
    return this.#reported(c.account, async () => {
      const opened = await this.#ready()
      const { files } = opened
      const result = await this.#write(opened, async (lock) => {
        const marks = await this.#freshMarks()
        const current = files.readFresh(c.account, marks)
        const before = current?.commitments[c.service]
        const merged = joinOnto(before, c)
        // The join can outgrow the schema's bounds (e.g. a 65th latch); never write what cannot be read back.
        const bounded = CommitmentSchema.safeParse(merged)
        if (!bounded.success) throw invalid('the joined commitment exceeds the stored limits', bounded.error)
        const unchanged = before !== undefined && canonicalJson(merged) === canonicalJson(before)
        if (unchanged && current?.migratedFrom === undefined) return { commitment: before, wrote: false }
        const commitments: ServiceCommitments = { ...current?.commitments, [c.service]: merged }
        const body = { account: c.account, seq: nextSeq(current, marks, c.account), commitments }
        await this.#writer.commit(files, lock, marks, body)
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
      if (ref !== undefined) {
        return selectServices(await files.read(ref, () => this.#freshMarks(), this.#knownMarks), undefined)
      }
      const bodies = await files.readAll(await this.#freshMarks())
      bodies.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0))
      return bodies.flatMap((b) => selectServices(b, undefined))
    })
  }

  /**
   * Step 1 of the forget ceremony: a one-time confirmation token and what would be removed. For an
   * account whose file fails verification (corrupt or rolled back) the token is still issued, with
   * `integrity` set and no commitments, so the user can knowingly reset it; that works only for the whole
   * account (`service` omitted). Store-wide failures (key, marks, audit log) throw their code: those
   * need `requestReset`. Throws MUASTS_ERR_NO_COMMITMENT if there is nothing to forget.
   */
  async requestForget(
    account: AccountRef,
    service?: Service,
  ): Promise<{ confirmation: string; commitments: Commitment[]; integrity?: ErrorCode }> {
    const ref = checkAccount(account)
    const svc = service === undefined ? undefined : checkService(service)
    // Store-wide failures (marks, audit log) are not the account's: they need the store reset ceremony,
    // and a token issued now could never be used.
    const { files, marks } = await this.#reported(undefined, async () => {
      const { files, audit } = await this.#ready()
      const marks = await this.#freshMarks()
      await audit.read(marks)
      // The account's marks bucket is store-wide data too: a damaged one needs the reset.
      marks?.mark(fileIdOf(ref))
      return { files, marks }
    })
    let commitments: Commitment[] = []
    let integrity: ErrorCode | undefined
    try {
      commitments = selectServices(await files.read(ref, async () => marks), svc)
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
    return this.#ceremony(request, () => ({ kind: 'forget' }))
  }

  /**
   * Step 2, alternative: removes what the token covers and writes `next` exactly as given (no join), in
   * one locked step with one `replace` audit record; emits 'replaced'. Throws like `forget`, and
   * MUASTS_ERR_CONFIRMATION_REQUIRED for a commitment outside the token's account (or service),
   * MUASTS_ERR_INVALID_OPTION for malformed commitments. A refused call does not use up the token.
   */
  async replace(request: ForgetRequest, next: readonly Commitment[]): Promise<StoreAuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'replace', next: checkReplacement(p, next) }))
  }

  /**
   * Step 2, alternative: replaces the SPKI pin set of the token's service (the token must name one)
   * with `pins`, keeping every other property; one `rotate-pins` audit record; emits 'replaced'. This is
   * the only way a key outside the current pin set becomes accepted. A non-empty set needs a backup pin
   * (see the README). Throws like `forget`, and MUASTS_ERR_INVALID_OPTION for a bad pin set.
   */
  async rotatePins(request: ForgetRequest, pins: PinSet): Promise<StoreAuditRecord> {
    return this.#ceremony(request, (p) => ({ kind: 'rotate-pins', pins: checkPinRotation(p, pins) }))
  }

  /**
   * Step 1 of the store reset ceremony, for a store that can no longer verify itself (integrity key
   * deleted or swapped, marks deleted or damaged, keyring recreated, audit log damaged). Works when
   * `ready()` fails. Does I/O (writes one canary keychain item). Throws MUASTS_ERR_INVALID_OPTION for a
   * store that verifies (nothing to reset; per-account damage goes through `requestForget`) or has no
   * key, MUASTS_ERR_KEYCHAIN_UNAVAILABLE when the keychain is locked or unreachable (unlock it instead).
   */
  async requestReset(): Promise<ResetRequest> {
    return this.#resetCeremony().request()
  }

  /**
   * Step 2: quarantines the files `requestReset` listed, re-keys the store (scope 'store') and writes the
   * `reset` record first in a new audit log; emits 'reset'. Every quarantined account has no commitment
   * afterwards. Throws MUASTS_ERR_CONFIRMATION_REQUIRED for a bad token, reason or actor, or when the
   * store changed since step 1 (request again), and the codes of `requestReset`.
   */
  async reset(request: ResetConfirmation): Promise<StoreAuditRecord> {
    const record = await this.#resetCeremony().confirm(request)
    this.#closed() // reopen with the new key and marks
    this.#notify('reset', record)
    return record
  }

  /** The verified audit trail of the ceremonies (forget, replace, rotate-pins, reset), oldest first. Does I/O. */
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

  #open(): Promise<Opened> {
    const { secrets } = this.#o
    return openStore({
      ...{ dir: this.dir, storeId: this.storeId, now: this.#o.now, maxFileBytes: this.#o.maxFileBytes },
      keychain: secrets === null || this.#names === null ? null : { secrets, names: this.#names },
      exclusive: (work) => this.#writer.exclusive(() => work()),
      sawMarks: (raw, at) => this.#marks?.seen(raw, at),
    })
  }

  /** Step 2 of the forget ceremony and its variants. `change` validates before the token is used up. */
  async #ceremony(
    request: ForgetRequest,
    change: (pending: PendingForget) => CeremonyChange,
  ): Promise<StoreAuditRecord> {
    checkForgetRequest(request, this.#pending)
    const pending = this.#pending.get(request.confirmation) as PendingForget
    const what = change(pending)
    this.#pending.delete(request.confirmation)
    return this.#reported(pending.account, async () => {
      const opened = await this.#ready()
      const { files, audit } = opened
      const record = await this.#write(opened, async (lock) => {
        const marks = await this.#freshMarks()
        const now = this.#o.now()
        const plan = await ceremonyUnderLock({ files, audit, marks, pending, request, change: what, now })
        await this.#writer.commit(files, lock, marks, plan.body, plan.auditHead)
        return plan.record
      })
      this.#notify(what.kind === 'forget' ? 'forgotten' : 'replaced', record)
      return record
    })
  }

  /**
   * Runs a write under the lock, after checking that the store still has the key this instance opened
   * it with: another process may have reset (re-keyed) it since, and a file MACed with the old key would
   * be unreadable for everyone else.
   */
  #write<T>(opened: Opened, work: (lock: HeldLock) => Promise<T>): Promise<T> {
    return this.#writer.exclusive(async (lock) => {
      if (opened.keys !== null && (await readMarker(this.dir))?.keyId !== opened.keys.keyId) {
        this.#closed()
        throw corrupt('the store was re-keyed by another process since it was opened; retry')
      }
      return work(lock)
    })
  }

  #resetCeremony(): StoreReset {
    if (this.#reset === null) {
      throw new SdkError(
        ErrorCode.InvalidOption,
        "FileStore: an unprotected store ('none-explicit-opt-in') has no key to reset.",
      )
    }
    return this.#reset
  }

  /** The authoritative marks (null in an unprotected store). */
  async #freshMarks(): Promise<Marks | null> {
    return this.#marks === null ? null : this.#marks.fresh()
  }

  /** The last marks read or written, for reads of files unchanged since (account-files.ts). */
  readonly #knownMarks = () => this.#marks?.known()

  /** Forgets the opened key and the marks in hand: the next call opens the store again. */
  #closed(): void {
    this.#opened = undefined
    this.#marks?.forgetKnown()
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
    const failure = integrityFailureOf(account, error)
    if (failure === undefined) return
    // Re-read key and marker next time: the store may have been reset by another process meanwhile.
    this.#closed()
    this.#notify('integrity-failure', failure)
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
