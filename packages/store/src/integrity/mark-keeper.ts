// Reads and records the high-water marks of one store: the anchor in its SecretStore, the buckets on
// disk (see marks.ts for the design and its security argument, mark-buckets.ts for the files).
import { type Instant, instant } from '../fs/settled.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { keychainUnavailable, rollback } from '../store-errors.js'
import { pruneBucket, readBucket, writeBucket } from './mark-buckets.js'
import { Marks } from './mark-snapshot.js'
import { type AccountMarks, type Anchor, bucketIdOf, encodeAnchor, markKey, parseMarksItem } from './marks.js'
import type { SecretNames } from './open-keys.js'

type StagedMark = { readonly fileId: string; readonly seq: number; readonly hash: string }

/** A marks update between `stage` and `commit` (the anchor's bucket hashes are filled in by `writeBuckets`). */
export type Staged = {
  readonly previous: Anchor
  readonly changed: ReadonlyMap<string, AccountMarks>
  readonly anchor: Anchor & { buckets: Record<string, string> }
  /** When the marks it builds on were read from the keychain (null: unknown). */
  readonly at: Instant | null
}

/** Marks with the moment they were known to be the keychain's (see `known`). */
export type KnownMarks = { readonly marks: Marks; readonly at: Instant }

// The last anchor seen or written. `at` is a moment at which the keychain held it (or something older
// that it includes): taken before the read, or before the locked read a write built on. Parsed lazily.
type Seen = { readonly raw: string; at: Instant | null; marks?: Marks }

// Verified buckets by content hash: a hash names exactly one content, so an entry never goes stale.
const CACHE_LIMIT = 1024

export class MarkKeeper {
  readonly #secrets: SecretStore
  readonly #names: SecretNames
  readonly #dir: string
  // The last item seen or written: unchanged anchors are compared, not re-validated.
  #last: Seen | undefined
  readonly #buckets = new Map<string, AccountMarks>()

  constructor(secrets: SecretStore, names: SecretNames, dir: string) {
    this.#secrets = secrets
    this.#names = names
    this.#dir = dir
  }

  /**
   * The authoritative marks: the anchor from the keychain (one small item; buckets are read on demand).
   * Does I/O. Throws MUASTS_ERR_KEYCHAIN_UNAVAILABLE when the keychain answers nothing at all (locked),
   * MUASTS_ERR_STORE_ROLLBACK when only the marks are gone, MUASTS_ERR_STORE_CORRUPT when malformed.
   */
  async fresh(): Promise<Marks> {
    const at = instant()
    const value = await this.#secrets.get(this.#names.marks)
    if (value !== null) {
      if (this.#last?.raw !== value) this.#last = { raw: value, at }
      else this.#last.at = at
      return this.#marksOf(this.#last)
    }
    // Marks exist from the moment the key does; null now means a locked keychain or a deleted item.
    if ((await this.#secrets.get(this.#names.probe)) === null) {
      throw keychainUnavailable('the keychain returned no high-water marks and no probe', {
        backend: this.#secrets.backend,
      })
    }
    throw rollback('the high-water marks are missing from the keychain')
  }

  /**
   * Remembers the keychain item as read at `at` by someone else (opening the store reads it), so that
   * `known` can offer it without another keychain round trip. Parsed only when used.
   */
  seen(raw: string, at: Instant): void {
    if (this.#last?.raw !== raw) this.#last = { raw, at }
    else if (this.#last.at === null || this.#last.at.wallMs < at.wallMs) this.#last.at = at
  }

  /**
   * The last marks read or written, with a moment at which the keychain held them; undefined if there
   * are none or they do not parse (a fresh read then reports that). No I/O. Account reads may check a
   * file against these instead of fresh marks only where that gives the same answer (account-files.ts).
   */
  known(): KnownMarks | undefined {
    const last = this.#last
    if (last?.at == null) return undefined
    try {
      return { marks: this.#marksOf(last), at: last.at }
    } catch {
      return undefined
    }
  }

  /** Drops what `known` offers (the store was reset: the keychain items were replaced). */
  forgetKnown(): void {
    this.#last = undefined
  }

  /**
   * Records the mark of a file just renamed into place (and/or the audit head): `stage`, then
   * `writeBuckets`, then `commit`. Call under the store lock, after the rename, with marks read under it.
   */
  async record(
    marks: Marks,
    mark: StagedMark | undefined,
    auditHead?: { records: number; head: string },
    beforeCommit?: () => Promise<void>,
  ): Promise<void> {
    const staged = this.stage(marks, mark, auditHead)
    await this.writeBuckets(staged, beforeCommit)
    await beforeCommit?.()
    await this.commit(staged)
  }

  /**
   * Computes the buckets that change and the next anchor (without bucket hashes yet). Reads the
   * account's bucket (sync); throws its codes. A v1 item is migrated: every bucket is staged.
   */
  stage(marks: Marks, mark: StagedMark | undefined, auditHead?: { records: number; head: string }): Staged {
    const changed = new Map<string, Record<string, readonly [number, string]>>()
    if (marks.legacy !== undefined) {
      for (const [key, m] of Object.entries(marks.legacy)) {
        const b = bucketIdOf(key)
        changed.set(b, { ...changed.get(b), [key]: m })
      }
    }
    if (mark !== undefined) {
      const b = bucketIdOf(mark.fileId)
      const current = changed.get(b) ?? marks.bucket(b)
      changed.set(b, { ...current, [markKey(mark.fileId)]: [mark.seq, mark.hash] })
    }
    const audit =
      auditHead === undefined ? marks.anchor.audit : { records: auditHead.records, head: auditHead.head }
    const buckets = marks.legacy === undefined ? { ...marks.anchor.buckets } : {}
    // The moment the base was read, if it is the keeper's current view (callers pass fresh() marks read
    // under the lock, so no other writer can change the item until this update is committed).
    const at = this.#last?.marks === marks ? this.#last.at : null
    return { previous: marks.anchor, changed, anchor: { ...marks.anchor, version: 2, buckets, audit }, at }
  }

  /** Writes the staged bucket files durably and enters their hashes into the staged anchor. Throws _STORE_IO. */
  async writeBuckets(staged: Staged, beforeCommit?: () => Promise<void>): Promise<void> {
    for (const [b, accounts] of staged.changed) {
      const hash = await writeBucket(this.#dir, b, accounts, beforeCommit)
      this.#buckets.set(hash, accounts)
      staged.anchor.buckets[b] = hash
    }
  }

  /**
   * Writes the anchor naming the new buckets, then prunes superseded bucket files. Throws
   * MUASTS_ERR_KEYCHAIN_UNAVAILABLE with `details.committed: true`: the file is durable and ahead of
   * its mark (which reads accept), but this write is not yet rollback-protected.
   */
  async commit(staged: Staged): Promise<void> {
    const raw = encodeAnchor(staged.anchor)
    try {
      await this.#secrets.set(this.#names.marks, raw)
    } catch (error) {
      throw keychainUnavailable(
        'the commitment was written but its high-water mark could not be recorded',
        { backend: this.#secrets.backend, committed: true },
        error,
      )
    }
    this.#last = { raw, at: staged.at, marks: new Marks(staged.anchor, this.#loader) }
    // Keep the bucket the previous anchor named: a lock-free reader may still hold that anchor.
    for (const b of staged.changed.keys()) {
      const keep = [staged.anchor.buckets[b], staged.previous.buckets[b]].filter(
        (h): h is string => h !== undefined,
      )
      await pruneBucket(this.#dir, b, keep)
    }
  }

  readonly #loader = (bucket: string, hash: string): AccountMarks => {
    const hit = this.#buckets.get(hash)
    if (hit !== undefined) return hit
    const accounts = readBucket(this.#dir, bucket, hash)
    if (this.#buckets.size >= CACHE_LIMIT) this.#buckets.clear()
    this.#buckets.set(hash, accounts)
    return accounts
  }

  #marksOf(seen: Seen): Marks {
    seen.marks ??= this.#view(seen.raw)
    return seen.marks
  }

  #view(value: string): Marks {
    const item = parseMarksItem(value)
    if (item.kind === 'anchor') return new Marks(item.anchor, this.#loader)
    const { accounts, audit } = item.legacy
    return new Marks({ format: item.legacy.format, version: 2, buckets: {}, audit }, this.#loader, accounts)
  }
}
