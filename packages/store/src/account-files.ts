// The account files of one store directory: verified reads behind a stat-validated cache, atomic
// writes, and quarantine of files that failed verification. Knows nothing about locks or the keychain
// beyond what it is handed (the marks to check against, the commit hook).
import { link, mkdir, readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import {
  type AccountBody,
  decodeAccountFile,
  encodeAccountFile,
  FILE_NAME_RE,
  fileIdOf,
} from './format/store-file.js'
import { type FileIdentity, identityOf, readCapped, writeAtomic } from './fs/safe-file.js'
import { settledNow, unchangedSince } from './fs/settled.js'
import { contentHash, type StoreKeys } from './integrity/keys.js'
import { BUCKET_MISSING } from './integrity/mark-buckets.js'
import type { KnownMarks } from './integrity/mark-keeper.js'
import type { Marks } from './integrity/mark-snapshot.js'
import { checkMark, markKey } from './integrity/marks.js'
import { errnoOf, io, rollback } from './store-errors.js'

export const QUARANTINE_DIR = 'quarantine'

type Cached = { readonly identity: FileIdentity; readonly body: AccountBody }

/** Marks to check against: null in an unprotected store; a thunk so the keychain is read only when needed. */
export type MarksSource = () => Promise<Marks | null>
/** Marks already in hand with the moment they were the keychain's (see `read`), if any. */
export type KnownSource = () => KnownMarks | undefined

// Bodies are shared between callers through the cache, so nobody may mutate one in place.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

function isBucketMissing(error: unknown): boolean {
  return (
    isSdkError(error, ErrorCode.StoreRollback) &&
    (error.details as { reason?: unknown } | undefined)?.reason === BUCKET_MISSING
  )
}

function nameOf(fileId: string): string {
  return `${fileId}.json`
}

export class AccountFiles {
  readonly #dir: string
  readonly #keys: StoreKeys | null
  readonly #maxBytes: number
  readonly #cache = new Map<string, Cached>()

  constructor(dir: string, keys: StoreKeys | null, maxBytes: number) {
    this.#dir = dir
    this.#keys = keys
    this.#maxBytes = maxBytes
  }

  /**
   * The verified body of an account, or undefined if it has none. One lstat when the cached copy is
   * still the file on disk; otherwise a full read, MAC check and high-water-mark check. Throws
   * MUASTS_ERR_STORE_CORRUPT / _ROLLBACK / _IO (and whatever `marks` throws).
   */
  async read(account: string, marks: MarksSource, known?: KnownSource): Promise<AccountBody | undefined> {
    const fileId = fileIdOf(account)
    const cached = this.#cached(fileId)
    if (cached !== undefined) return cached
    const settled = known === undefined ? undefined : this.#readKnown(fileId, known)
    if (settled !== undefined) return settled
    // Marks are fetched before the file is read. A writer renames the file before it records the mark,
    // so the file read afterwards is never older than those marks; the other order would let a lock-free
    // reader pair an old file with a newer mark and report a rollback that did not happen.
    try {
      return this.#load(fileId, await marks())
    } catch (error) {
      // A writer in another process may have superseded the anchor just read twice over, and pruned the
      // bucket it named; a fresh anchor tells that race from a deleted bucket (which fails again).
      if (!isBucketMissing(error)) throw error
      return this.#load(fileId, await marks())
    }
  }

  /** Like `read` but always from disk (used under the lock before a write). */
  readFresh(account: string, marks: Marks | null): AccountBody | undefined {
    return this.#load(fileIdOf(account), marks)
  }

  /** The cached body if the file on disk is still the one it was read from. */
  #cached(fileId: string): AccountBody | undefined {
    const cached = this.#cache.get(fileId)
    if (cached === undefined) return undefined
    const identity = identityOf(this.#dir, nameOf(fileId))
    return identity?.key === cached.identity.key ? cached.body : undefined
  }

  /**
   * Accepts a file against marks already in hand (read from the keychain at moment T, usually when the
   * store was opened, or written by this instance) without reading the keychain again. Only for a file
   * in place, unchanged, since before T (settled.ts): the answer is then the one a read at T gave or
   * would have given, kept while the file stays the same, which is the rule of the read cache above.
   * Everything else (no file, a file changed since T, any failure) returns undefined and is judged with
   * fresh marks, so a rejection never rests on marks in hand.
   */
  #readKnown(fileId: string, known: KnownSource): AccountBody | undefined {
    const k = known()
    if (k === undefined) return undefined
    try {
      const file = readCapped(this.#dir, nameOf(fileId), this.#maxBytes)
      if (file === undefined || !unchangedSince(file.identity.settledAtMs, k.at)) return undefined
      return this.#verify(fileId, file, k.marks)
    } catch (error) {
      if (isSdkError(error)) return undefined
      throw error
    }
  }

  #load(fileId: string, marks: Marks | null): AccountBody | undefined {
    const file = readCapped(this.#dir, nameOf(fileId), this.#maxBytes)
    if (file === undefined) {
      this.#cache.delete(fileId)
      // A mark for a file that is gone means the file was deleted: the oldest rollback of all.
      if (marks !== null && marks.mark(fileId) !== undefined) {
        throw rollback('an account file with a high-water mark is missing', { fileId })
      }
      return undefined
    }
    return this.#verify(fileId, file, marks)
  }

  #verify(fileId: string, file: { bytes: Buffer; identity: FileIdentity }, marks: Marks | null): AccountBody {
    const body = deepFreeze(decodeAccountFile(file.bytes, fileId, this.#keys))
    if (marks !== null) checkMark(marks.mark(fileId), fileId, body.seq, contentHash(file.bytes))
    // Git's "racily clean" problem: a rewrite within the same timestamp tick, reusing the freed inode
    // number, with the same size, would look unchanged; so only a settled version is cached.
    if (settledNow(file.identity.settledAtMs)) this.#cache.set(fileId, { identity: file.identity, body })
    else this.#cache.delete(fileId)
    return body
  }

  /**
   * Every account body in the directory. Fails closed on the first file that does not verify and when
   * a marked account has no file. Does I/O (synchronous reads, yielding every 64 files).
   */
  async readAll(marks: Marks | null): Promise<AccountBody[]> {
    let names: string[]
    try {
      names = await readdir(this.#dir)
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') names = []
      else throw io('list directory', error)
    }
    const fileIds = names.flatMap((n) => FILE_NAME_RE.exec(n)?.[1] ?? [])
    if (marks !== null) {
      const present = new Set(fileIds.map(markKey))
      const missing = marks.markedPrefixes().filter((p) => !present.has(p))
      if (missing.length > 0) {
        throw rollback('account files with a high-water mark are missing', { missing: missing.length })
      }
    }
    const bodies: AccountBody[] = []
    for (const [i, fileId] of fileIds.entries()) {
      // Reads are short synchronous syscalls; yield regularly so a large store never stalls the loop.
      if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve))
      const body = this.#cached(fileId) ?? this.#load(fileId, marks)
      if (body !== undefined) bodies.push(body)
    }
    return bodies
  }

  /**
   * Encodes `body` and checks that it reads back. Pure (no I/O). Returns the bytes and the content hash
   * for the high-water mark. Throws MUASTS_ERR_INTERNAL for a file this store could not decode.
   */
  encode(body: AccountBody): { bytes: Buffer; hash: string } {
    const fileId = fileIdOf(body.account)
    const bytes = encodeAccountFile(body, this.#keys)
    // Read-back check before anything touches the disk: a file this store cannot decode would lock the
    // account out (fail closed) for good, so refusing the write is always the better failure.
    try {
      decodeAccountFile(bytes, fileId, this.#keys)
    } catch (error) {
      throw new SdkError(ErrorCode.Internal, 'Refusing to write an account file that does not verify.', {
        cause: error,
      })
    }
    return { bytes, hash: contentHash(bytes) }
  }

  /**
   * Writes an encoded account file atomically (see writeAtomic); `beforeCommit` runs just before the
   * rename. Call under the store lock. Throws MUASTS_ERR_STORE_IO.
   */
  async write(account: string, bytes: Buffer, beforeCommit: () => Promise<void>): Promise<void> {
    const fileId = fileIdOf(account)
    this.#cache.delete(fileId)
    await writeAtomic(this.#dir, nameOf(fileId), bytes, beforeCommit)
  }

  /**
   * Keeps a copy of an account's unverifiable file (if any) in quarantine/ for later inspection and
   * returns its path relative to the store directory. The file itself stays until the caller's atomic
   * write replaces it, so lock-free readers never see it missing. Call under the store lock. Throws
   * MUASTS_ERR_STORE_IO.
   */
  async quarantine(account: string, now: Date): Promise<string | null> {
    const fileId = fileIdOf(account)
    this.#cache.delete(fileId)
    const target = join(QUARANTINE_DIR, `${fileId}.${now.toISOString().replace(/[:.]/g, '-')}.json`)
    const from = join(this.#dir, nameOf(fileId))
    try {
      await mkdir(join(this.#dir, QUARANTINE_DIR), { recursive: true, mode: 0o700 })
      // link(2) does not follow a symlink; a directory cannot be linked and is moved instead.
      await link(from, join(this.#dir, target)).catch(async (error: unknown) => {
        if (errnoOf(error) !== 'EPERM' && errnoOf(error) !== 'EISDIR') throw error
        await rename(from, join(this.#dir, target))
      })
      return target
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return null
      throw io('quarantine', error, { fileId })
    }
  }
}
