// One consistent view of a store's high-water marks: the anchor read from the keychain at one moment,
// and the bucket files it names, loaded (and verified against it) only when an account of that bucket
// is looked up. So a lookup costs one small bucket, never all marks. A v1 keychain item (all marks
// inline, see marks.ts) gives a view backed by that map instead, until the first write migrates it.
import type { AccountMarks, Anchor, Mark } from './marks.js'
import { bucketIdOf, emptyAnchor, markKey } from './marks.js'

/** Reads and verifies one bucket (bucket id, hash from the anchor); throws the store's codes. */
export type BucketLoader = (bucket: string, hash: string) => AccountMarks

export class Marks {
  readonly anchor: Anchor
  /** The v1 item's inline marks, or undefined for a v2 anchor. */
  readonly legacy: AccountMarks | undefined
  /** Loads the buckets this anchor names (shared with derived views). */
  readonly load: BucketLoader

  constructor(anchor: Anchor, load: BucketLoader, legacy?: AccountMarks) {
    this.anchor = anchor
    this.load = load
    this.legacy = legacy
  }

  /** Number of audit records and the hash of the last one. */
  get audit(): Anchor['audit'] {
    return this.anchor.audit
  }

  /** The current marks of one bucket. Does I/O (sync) for a v2 anchor; throws corrupt / rollback. */
  bucket(bucket: string): AccountMarks {
    if (this.legacy !== undefined) {
      const legacy = this.legacy
      return Object.fromEntries(Object.entries(legacy).filter(([k]) => k.startsWith(bucket)))
    }
    const hash = this.anchor.buckets[bucket]
    return hash === undefined ? {} : this.load(bucket, hash)
  }

  /** The mark of one account, if any. Loads its bucket only (see `bucket`). */
  mark(fileId: string): Mark | undefined {
    const key = markKey(fileId)
    const m = this.legacy !== undefined ? this.legacy[key] : this.bucket(bucketIdOf(fileId))[key]
    return m === undefined ? undefined : { seq: m[0], hash: m[1] }
  }

  /** Every marked file-id prefix (loads and verifies every bucket); used to detect deleted files. */
  markedPrefixes(): string[] {
    if (this.legacy !== undefined) return Object.keys(this.legacy)
    return Object.keys(this.anchor.buckets).flatMap((b) => Object.keys(this.bucket(b)))
  }
}

/** Marks of a store nothing was written to yet. */
export function emptyMarks(): Marks {
  return new Marks(emptyAnchor(), () => ({}))
}

/** A copy of `marks` with the audit head set (for tests and the audit-log reset). Pure. */
export function withAuditHead(marks: Marks, records: number, head: string): Marks {
  return new Marks({ ...marks.anchor, audit: { records, head } }, marks.load, marks.legacy)
}
