// How a FileStore writes: one writer at a time (this instance's queue, then the cross-process lock,
// fs/dir-lock.ts), and under that lock an account file together with its high-water mark.
import { join } from 'node:path'
import type { AccountFiles } from './account-files.js'
import { type AccountBody, fileIdOf } from './format/store-file.js'
import { acquireLock, type HeldLock } from './fs/dir-lock.js'
import type { MarkKeeper } from './integrity/mark-keeper.js'
import type { Marks } from './integrity/mark-snapshot.js'

const LOCK_FILE = '.lock'

/** The write path of one FileStore instance: its store directory, lock timeout and mark keeper. */
export class StoreWriter {
  readonly #dir: string
  readonly #lockTimeoutMs: number
  readonly #marks: MarkKeeper | null
  #queue: Promise<unknown> = Promise.resolve()

  constructor(dir: string, lockTimeoutMs: number, marks: MarkKeeper | null) {
    this.#dir = dir
    this.#lockTimeoutMs = lockTimeoutMs
    this.#marks = marks
  }

  /** Serialises this instance's writers, then takes the cross-process lock. */
  exclusive<T>(work: (lock: HeldLock) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const lock = await acquireLock(join(this.#dir, LOCK_FILE), this.#lockTimeoutMs)
      try {
        return await work(lock)
      } finally {
        await lock.release()
      }
    })
    this.#queue = run.catch(() => {})
    return run
  }

  /** Writes an account file, then its high-water mark (and the audit head), all under `lock`. */
  async commit(
    files: AccountFiles,
    lock: HeldLock,
    marks: Marks | null,
    body: AccountBody,
    auditHead?: { records: number; head: string },
  ): Promise<void> {
    const { bytes, hash } = files.encode(body)
    const held = () => lock.assertHeld()
    if (marks === null || this.#marks === null) return files.write(body.account, bytes, held)
    // The account file and its marks bucket are independent files, so both are made durable at once
    // (one fsync wait, not two); the anchor that names the bucket is written only after both.
    const staged = this.#marks.stage(
      marks,
      { fileId: fileIdOf(body.account), seq: body.seq, hash },
      auditHead,
    )
    // allSettled, not all: if one write fails, the other must finish (and clean up its temp file) while
    // the lock is still held, never race the next writer of the same file.
    const writes = await Promise.allSettled([
      files.write(body.account, bytes, held),
      this.#marks.writeBuckets(staged, held),
    ])
    for (const w of writes) if (w.status === 'rejected') throw w.reason
    await lock.assertHeld()
    await this.#marks.commit(staged)
  }
}
