// Segment files of an outbox directory. Sequence numbers only ever grow, so a (segment, offset) pair
// names one position forever; the newest segment is the one being appended to.
//
//   <dir>/outbox.id                       random id of this outbox (the delivery cursor is bound to it)
//   <dir>/reports-000000000001.jsonl      oldest retained segment
//   <dir>/reports-000000000002.jsonl      … newest segment = active
//   <dir>/reports-….jsonl.<pid>.<hex>.dropping / .drop-intent   a drop in progress (drop.ts)
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

const SEGMENT_RE = /^reports-(\d{12})\.jsonl$/
/** A segment being deleted is renamed first, so exactly one process owns (counts and announces) the drop. */
export const DROPPING_SUFFIX = '.dropping'
const ID_FILE = 'outbox.id'
const ID_RE = /^[0-9a-f]{32}$/

/** File name of segment `seq`. Pure. */
export function segmentName(seq: number): string {
  return `reports-${String(seq).padStart(12, '0')}.jsonl`
}

/** Absolute path of segment `seq` in `dir`. Pure. */
export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentName(seq))
}

/** Sequence numbers of the segments present, ascending. Does I/O. */
export function listSegments(dir: string): number[] {
  const seqs: number[] = []
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name)
    if (m?.[1] !== undefined) seqs.push(Number(m[1]))
  }
  return seqs.sort((a, b) => a - b)
}

/** Makes a created/renamed/unlinked directory entry durable (the file's own fsync does not). Does I/O. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY)
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** True for a Node system error with this `code` (ENOENT, EEXIST, …). Pure. */
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

function readId(path: string): string | undefined {
  try {
    const id = readFileSync(path, 'utf8').trim()
    return ID_RE.test(id) ? id : undefined
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined
    throw error
  }
}

/**
 * Creates the directory (0700: reports name hosts and account refs) and returns the outbox id. The id file
 * is written to a temporary name and hard-linked into place, so it appears atomically with its content and
 * concurrent first starts agree on one id. Does I/O.
 */
export function ensureOutboxDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, ID_FILE)
  const existing = readId(path)
  if (existing !== undefined) return existing
  const tmp = join(dir, `.${ID_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    writeSync(fd, `${randomBytes(16).toString('hex')}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(tmp, path)
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error
    // Someone else won the race (fine), or the file holds garbage: replace it. A changed id only makes
    // delivery start again from the beginning (at-least-once), it never skips a record.
    if (readId(path) === undefined) renameSync(tmp, path)
  } finally {
    rmSync(tmp, { force: true })
  }
  fsyncDir(dir)
  const id = readId(path)
  if (id === undefined) throw new Error(`${path} does not hold an outbox id`)
  return id
}
