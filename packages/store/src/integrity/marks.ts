// Anti-rollback high-water marks. The MAC proves a file is one we wrote, not that it is the latest one
// we wrote: an attacker (or a backup restore) can put back an older authentic file and silently drop a
// latch. So after every write the store records (seq, hash of the file bytes) outside the file system,
// in the keychain, and a read fails closed when the file is older than that mark.
//
// All marks of a store live in ONE keychain item, rewritten under the store-wide lock. Trade-off: opening
// a store costs one keychain read instead of one per account (≈0.6 ms each with gnome-keyring, so 6 s for
// 10,000 accounts), at the price of serialising writers across accounts and rewriting an item that grows
// by ≈60 bytes per account (≈0.6 MB at 10,000 accounts; 13 ms to write with gnome-keyring). Writes are
// rare (only when a commitment actually strengthens), reads happen on every connect, so this is the
// right side of the trade. Per-item read-modify-write without the lock would lose updates (integration
// notes §4.2: 38 of 60), which is why the lock is store-wide.
//
// Keys are the first 128 bits of the file id and hashes are 128-bit truncated SHA-256: a mark only has to
// tell our own successive files apart (a forger cannot produce a MAC-valid file anyway), and a prefix
// collision between two accounts would fail closed (a spurious rollback), never open.
import * as z from 'zod'
import { corrupt, rollback } from '../store-errors.js'

export const MARKS_FORMAT = 'mua-sts/marks'

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const Hash = z.string().regex(/^[A-Za-z0-9_-]{22}$/)

export const MarksSchema = z.strictObject({
  format: z.literal(MARKS_FORMAT),
  version: z.literal(1),
  /** file-id prefix → [seq, content hash] of the newest account file written. */
  accounts: z.record(z.string().regex(/^[0-9a-f]{32}$/), z.tuple([Seq, Hash])),
  /** Number of audit records and the hash of the last one (detects a truncated or deleted log). */
  audit: z.strictObject({ records: Seq, head: Hash.nullable() }),
})
export type Marks = z.infer<typeof MarksSchema>

export function emptyMarks(): Marks {
  return { format: MARKS_FORMAT, version: 1, accounts: {}, audit: { records: 0, head: null } }
}

function markKey(fileId: string): string {
  return fileId.slice(0, 32)
}

/** Parses the keychain item. Throws MUASTS_ERR_STORE_CORRUPT if it is not a marks record. */
export function parseMarks(value: string): Marks {
  let raw: unknown
  try {
    raw = JSON.parse(value)
  } catch (error) {
    throw corrupt('high-water marks in the keychain are not JSON', {}, error)
  }
  const parsed = MarksSchema.safeParse(raw)
  if (!parsed.success) throw corrupt('high-water marks in the keychain are malformed', {}, parsed.error)
  return parsed.data
}

/** Keychain encoding. Plain JSON: the item is not MACed (the keychain protects it), so no canonical form. */
export function encodeMarks(marks: Marks): string {
  return JSON.stringify(marks)
}

/** The mark of one account, if any. */
export function markOf(marks: Marks, fileId: string): { seq: number; hash: string } | undefined {
  const m = marks.accounts[markKey(fileId)]
  return m === undefined ? undefined : { seq: m[0], hash: m[1] }
}

/**
 * Throws MUASTS_ERR_STORE_ROLLBACK unless a file with (`seq`, `hash`) is at least as new as the mark.
 * A file ahead of its mark is accepted: the mark is written after the rename, so a crash in between
 * leaves exactly that state, and only the holder of the key can produce a MAC-valid newer file.
 */
export function checkMark(marks: Marks, fileId: string, seq: number, hash: string): void {
  const m = markOf(marks, fileId)
  if (m === undefined || seq > m.seq) return
  if (seq < m.seq) throw rollback('file is older than its high-water mark', { fileId, seq, mark: m.seq })
  if (hash !== m.hash)
    throw rollback('file differs from the one its high-water mark recorded', { fileId, seq })
}

/** A copy of `marks` with this account's mark set. Pure. */
export function withMark(marks: Marks, fileId: string, seq: number, hash: string): Marks {
  return { ...marks, accounts: { ...marks.accounts, [markKey(fileId)]: [seq, hash] } }
}

/** A copy of `marks` with the audit head set. Pure. */
export function withAuditHead(marks: Marks, records: number, head: string): Marks {
  return { ...marks, audit: { records, head } }
}

/** File ids (prefixes) that have a mark; used to detect deleted account files. */
export function markedPrefixes(marks: Marks): string[] {
  return Object.keys(marks.accounts)
}
