// Anti-rollback high-water marks: the formats and the pure checks. The MAC proves a file is one we wrote,
// not that it is the latest one we wrote: an attacker (or a backup restore) can put back an older
// authentic file and silently drop a latch. So after every write the store records (seq, hash of the
// file bytes) where the attacker cannot roll it back, and a read fails closed when the file is older.
//
// Layout (format v2, issue #17): the marks of the accounts live on disk in 256 *buckets* (by the first
// byte of the file id), each bucket a content-addressed file `marks/<bucket>.<sha256>.marks`. The only
// keychain item is the *anchor*: the SHA-256 of every non-empty bucket plus the audit-log head. It is at
// most about 8 KB whatever the number of accounts, so a strengthen writes O(1) bytes to the keychain
// (one bucket file, one anchor), and opening a store reads O(1) bytes. Why not one keychain item per
// account: gnome-keyring rewrites its whole keyring file on every change, so a write costs O(items)
// there (measured 43 ms per write at 500 items, 266 ms at 2,000; see docs/benchmarks.md).
//
// Security argument: the anchor commits, through SHA-256, to the exact bytes of every bucket, and each
// bucket to the exact (seq, hash) of each of its accounts. Restoring, editing, deleting or swapping a
// bucket file therefore changes its hash, which no longer matches the anchor (corrupt), or removes the
// file the anchor names (rollback); an attacker who cannot write the keychain cannot produce a bucket
// the anchor accepts (that would be a SHA-256 second preimage). So each account's mark is exactly as
// trustworthy as it was in the v1 layout (all marks inside the keychain item), and every check below
// is unchanged. The v1 item (`version: 1`, all marks inline) is still read, and replaced by a v2
// anchor on the first write (mark-keeper.ts).
//
// Mark keys are the first 128 bits of the file id and account hashes are 128-bit truncated SHA-256: a
// mark only has to tell our own successive files apart (a forger cannot produce a MAC-valid file
// anyway), and a prefix collision between two accounts would fail closed (a spurious rollback), never
// open. Bucket hashes are SHA-256 truncated to 128 bits as well (it halves the anchor, which is read on
// every cold lookup): a bucket has no MAC, so its hash is its only integrity, but the attacker does not
// choose what a bucket holds (our own files' seq and hashes), so what matters is second-preimage
// resistance, which is 2^128 work at this length (collision resistance, 2^64, does not come into it).
import { createHash } from 'node:crypto'
import * as z from 'zod'
import { canonicalJson } from '../format/canonical-json.js'
import { corrupt, rollback } from '../store-errors.js'

export const MARKS_FORMAT = 'mua-sts/marks'
export const BUCKET_FORMAT = 'mua-sts/marks-bucket'

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const Hash = z.string().regex(/^[A-Za-z0-9_-]{22}$/)
const BucketId = z.string().regex(/^[0-9a-f]{2}$/)
const AuditHead = z.strictObject({ records: Seq, head: Hash.nullable() })

// The two maps (hundreds of entries: 256 buckets in an anchor, ~200 marks per bucket at 50,000 accounts)
// are checked by one loop each instead of z.record: same rules, but z.record costs about four times as
// much, and these are parsed on the first read of every account (marks.test.ts proves both accept
// exactly the same values).
const HASH_RE = /^[A-Za-z0-9_-]{22}$/
const BUCKET_ID_RE = /^[0-9a-f]{2}$/
const MARK_KEY_RE = /^[0-9a-f]{32}$/

function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** mark key (32 hex) → [seq, hash]; what `z.record(MarkKey, z.tuple([Seq, Hash]))` accepts. */
export function isAccountMarks(v: unknown): v is AccountMarks {
  if (!isJsonObject(v)) return false
  for (const key of Object.keys(v)) {
    const m = v[key]
    if (!MARK_KEY_RE.test(key) || !Array.isArray(m) || m.length !== 2) return false
    const [seq, hash] = m as unknown[]
    if (!Number.isSafeInteger(seq) || (seq as number) < 0) return false
    if (typeof hash !== 'string' || !HASH_RE.test(hash)) return false
  }
  return true
}

/** bucket id (2 hex) → bucket hash; what `z.record(BucketId, BucketHash)` accepts. */
export function isBucketHashes(v: unknown): v is Record<string, string> {
  if (!isJsonObject(v)) return false
  for (const key of Object.keys(v)) {
    const hash = v[key]
    if (!BUCKET_ID_RE.test(key) || typeof hash !== 'string' || !HASH_RE.test(hash)) return false
  }
  return true
}

const Accounts = z.custom<AccountMarks>(isAccountMarks, 'expected mark key → [seq, hash] entries')

/** The v1 keychain item: every mark inline (read for migration only). */
export const LegacyMarksSchema = z.strictObject({
  format: z.literal(MARKS_FORMAT),
  version: z.literal(1),
  accounts: Accounts,
  audit: AuditHead,
})

/** The v2 keychain item: the anchor. */
export const AnchorSchema = z.strictObject({
  format: z.literal(MARKS_FORMAT),
  version: z.literal(2),
  /** bucket id (first byte of the file id, hex) → 128-bit SHA-256 (base64url) of its file; empty ones absent. */
  buckets: z.custom<Record<string, string>>(isBucketHashes, 'expected bucket id → hash entries'),
  /** Number of audit records and the hash of the last one (detects a truncated or deleted log). */
  audit: AuditHead,
})
export type Anchor = z.infer<typeof AnchorSchema>

/** One bucket file: the marks of the accounts whose file id starts with `bucket`. */
export const BucketSchema = z
  .strictObject({
    format: z.literal(BUCKET_FORMAT),
    version: z.literal(1),
    bucket: BucketId,
    accounts: Accounts,
  })
  .refine((b) => Object.keys(b.accounts).every((k) => k.startsWith(b.bucket)), {
    message: 'a mark is in the wrong bucket',
  })

/** mark key → [seq, content hash] of the newest account file written. */
export type AccountMarks = Readonly<Record<string, readonly [number, string]>>
export type Mark = { readonly seq: number; readonly hash: string }

export function emptyAnchor(): Anchor {
  return { format: MARKS_FORMAT, version: 2, buckets: {}, audit: { records: 0, head: null } }
}

export function markKey(fileId: string): string {
  return fileId.slice(0, 32)
}

export function bucketIdOf(fileId: string): string {
  return fileId.slice(0, 2)
}

/** Parses the keychain item (v2 anchor, or a v1 item to migrate). Throws MUASTS_ERR_STORE_CORRUPT. */
export function parseMarksItem(
  value: string,
):
  | { readonly kind: 'anchor'; readonly anchor: Anchor }
  | { readonly kind: 'legacy'; readonly legacy: z.infer<typeof LegacyMarksSchema> } {
  let raw: unknown
  try {
    raw = JSON.parse(value)
  } catch (error) {
    throw corrupt('high-water marks in the keychain are not JSON', {}, error)
  }
  const anchor = AnchorSchema.safeParse(raw)
  if (anchor.success) return { kind: 'anchor', anchor: anchor.data }
  const legacy = LegacyMarksSchema.safeParse(raw)
  if (legacy.success) return { kind: 'legacy', legacy: legacy.data }
  throw corrupt('high-water marks in the keychain are malformed', {}, anchor.error)
}

/** Keychain encoding. Plain JSON: the item is not MACed (the keychain protects it), so no canonical form. */
export function encodeAnchor(anchor: Anchor): string {
  return JSON.stringify(anchor)
}

/** The bytes of a bucket file: canonical JSON and a newline, so equal marks give equal bytes and hash. */
export function encodeBucket(bucket: string, accounts: AccountMarks): Buffer {
  return Buffer.from(`${canonicalJson({ format: BUCKET_FORMAT, version: 1, bucket, accounts })}\n`, 'utf8')
}

/** SHA-256 of a bucket file truncated to 128 bits, unpadded base64url (its file name and anchor entry). */
export function bucketHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest().subarray(0, 16).toString('base64url')
}

/**
 * Verifies and parses a bucket file against the hash the anchor names. Pure. Throws
 * MUASTS_ERR_STORE_CORRUPT if the bytes are not exactly the anchored bucket.
 */
export function parseBucket(bytes: Uint8Array, bucket: string, hash: string): AccountMarks {
  if (bucketHash(bytes) !== hash) {
    throw corrupt('a high-water marks bucket does not match its hash in the keychain', { bucket })
  }
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (error) {
    throw corrupt('a high-water marks bucket is not JSON', { bucket }, error)
  }
  const parsed = BucketSchema.safeParse(raw)
  if (!parsed.success || parsed.data.bucket !== bucket) {
    throw corrupt('a high-water marks bucket is malformed', { bucket }, parsed.error)
  }
  return parsed.data.accounts
}

/**
 * Throws MUASTS_ERR_STORE_ROLLBACK unless a file with (`seq`, `hash`) is at least as new as its mark.
 * A file ahead of its mark is accepted: the mark is written after the rename, so a crash in between
 * leaves exactly that state, and only the holder of the key can produce a MAC-valid newer file.
 */
export function checkMark(m: Mark | undefined, fileId: string, seq: number, hash: string): void {
  if (m === undefined || seq > m.seq) return
  if (seq < m.seq) throw rollback('file is older than its high-water mark', { fileId, seq, mark: m.seq })
  if (hash !== m.hash)
    throw rollback('file differs from the one its high-water mark recorded', { fileId, seq })
}
