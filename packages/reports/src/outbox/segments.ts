// Segment files of an outbox directory. Sequence numbers only ever grow, so a (segment, offset) pair
// names one position forever; the newest segment is the one being appended to.
//
//   <dir>/outbox.id                       random id of this outbox (the delivery cursor is bound to it)
//   <dir>/reports-000000000001.jsonl      oldest retained segment
//   <dir>/reports-000000000002.jsonl      … newest segment = active
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
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

/** Files left by a process that died between renaming a segment for deletion and deleting it. */
export function listDropping(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(DROPPING_SUFFIX) && n.startsWith('reports-'))
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

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}
export { isErrno }

/**
 * Creates the directory (0700: reports name hosts and account refs) and returns the outbox id, creating it
 * with O_EXCL when absent so concurrent first starts agree on one id. Does I/O.
 */
export function ensureOutboxDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, ID_FILE)
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const id = readFileSync(path, 'utf8').trim()
      if (ID_RE.test(id)) return id
      // Empty or partial: another process is between create and write, or crashed there. Wait briefly.
      if (attempt < 49) {
        sleepSync(2)
        continue
      }
      throw new Error(`${path} does not hold an outbox id`)
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error
    }
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      try {
        const id = randomBytes(16).toString('hex')
        writeSync(fd, `${id}\n`)
        fsyncSync(fd)
        fsyncDir(dir)
        return id
      } finally {
        closeSync(fd)
      }
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error
    }
  }
  throw new Error(`could not create or read ${path}`)
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
/** Blocks the thread for `ms` (only used for a racing first start, a few ms at most). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms)
}
