// Dropping the oldest segment over budget, announced even when a process dies half-way (issue #13).
//
// A drop moves through two on-disk states, each named after the process that owns it, so any process
// that later opens the outbox can finish a dead owner's drop:
//
//   reports-<seq>.jsonl                          the segment
//   reports-<seq>.jsonl.<pid>.<hex>.dropping     renamed for deletion: exactly one rename wins
//   reports-<seq>.jsonl.<pid>.<hex>.drop-intent  the count, durable BEFORE the segment is deleted
//
// The intent is written (temporary name, fsync, rename, fsync of the directory) before the segment is
// unlinked, and removed only after `segment-dropped` was published. So however the process dies, one of
// the two files survives and the next open announces the drop: at least once, never zero times.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import * as z from 'zod'
import { publishOutboxEvent } from '../channels.js'
import { FRAME_PREFIX } from './frame.js'
import { fdReader, readLines } from './read-lines.js'
import { DROPPING_SUFFIX, fsyncDir, isErrno, segmentPath } from './segments.js'

/** A dropped segment's count, kept on disk until its announcement was published. */
export const DROP_INTENT_SUFFIX = '.drop-intent'
const TMP_SUFFIX = '.tmp'
const PREFIX = Buffer.from(FRAME_PREFIX, 'latin1')
// reports-<12 digits>.jsonl.<owner pid>.<random hex>.<state>
const OWNED_RE = /^((reports-(\d{12})\.jsonl)\.(\d+)\.[0-9a-f]+)\.(dropping|drop-intent)(\.tmp)?$/

// File content is a trust boundary like any other input: a damaged or foreign file is never announced.
const IntentSchema = z.strictObject({
  segment: z.int().min(0),
  records: z.int().min(0),
  bytes: z.int().min(0),
})
type Intent = z.infer<typeof IntentSchema>

function parseIntent(text: string): Intent | undefined {
  try {
    const r = IntentSchema.safeParse(JSON.parse(text))
    return r.success ? r.data : undefined
  } catch {
    return undefined // not JSON
  }
}

type Owned = {
  readonly name: string
  /** The name without its state suffix: a `.dropping` and its `.drop-intent` share it. */
  readonly base: string
  readonly stem: string
  readonly segment: number
  readonly pid: number
  readonly state: 'dropping' | 'drop-intent'
  readonly tmp: boolean
}

function parseOwned(name: string): Owned | undefined {
  const m = OWNED_RE.exec(name)
  if (m === null) return undefined
  const [, base = '', stem = '', seq = '', pid = '', state = '', tmp] = m
  return {
    name,
    base,
    stem,
    segment: Number(seq),
    pid: Number(pid),
    state: state as Owned['state'],
    tmp: tmp !== undefined,
  }
}

/** A fresh name for `stem` in `state`, owned by this process. */
function ownedName(stem: string, state: Owned['state']): string {
  return `${stem}.${process.pid}.${randomBytes(4).toString('hex')}.${state}`
}

/** Deletes segment `seq` if this process wins the rename, announcing how many records it held. Does I/O. */
export function dropSegment(dir: string, seq: number): void {
  const from = segmentPath(dir, seq)
  const to = join(dir, ownedName(`reports-${String(seq).padStart(12, '0')}.jsonl`, 'dropping'))
  try {
    renameSync(from, to)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return // another process is dropping it and will announce it
    throw error
  }
  finishDrop(dir, to, seq)
}

/**
 * Finishes every drop whose owner process is gone: segments renamed but not deleted are counted and
 * deleted, and intents whose announcement may not have been published are announced. Each file is
 * claimed by a rename first, so concurrent openers do not announce one drop twice. Does I/O.
 */
export function recoverDrops(dir: string): void {
  const owned = readdirSync(dir)
    .map(parseOwned)
    .filter((o): o is Owned => o !== undefined && !ownerAlive(o.pid))
  // Leftover temporary intents: their segment is still in a `.dropping` file (it is only deleted after
  // the intent's rename), which is recounted below.
  for (const o of owned.filter((f) => f.tmp)) rmSync(join(dir, o.name), { force: true })
  const intents = owned.filter((f) => !f.tmp && f.state === 'drop-intent')
  const counted = new Set(intents.map((f) => f.base))
  for (const o of owned.filter((f) => !f.tmp && f.state === 'dropping')) {
    if (counted.has(o.base)) {
      // Died after the intent became durable: the count is complete, only the deletion is left.
      rmSync(join(dir, o.name), { force: true })
      fsyncDir(dir)
      continue
    }
    const claimed = claim(dir, o)
    if (claimed !== undefined) finishDrop(dir, claimed, o.segment)
  }
  for (const o of intents) {
    const claimed = claim(dir, o)
    if (claimed !== undefined) announce(dir, claimed)
  }
}

/** Renames a dead owner's file to one owned by this process; undefined if another process won. */
function claim(dir: string, o: Owned): string | undefined {
  const to = join(dir, ownedName(o.stem, o.state))
  try {
    renameSync(join(dir, o.name), to)
    return to
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined
    throw error
  }
}

/** Whether the process that owns a drop file is still running (and so still finishing the drop). */
function ownerAlive(pid: number): boolean {
  if (pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return isErrno(error, 'EPERM') // exists but belongs to someone else
  }
}

/** Count → durable intent → delete → announce → forget the intent. */
function finishDrop(dir: string, droppingPath: string, segment: number): void {
  const { records, bytes } = countFrames(droppingPath)
  const intentPath = `${droppingPath.slice(0, -DROPPING_SUFFIX.length)}${DROP_INTENT_SUFFIX}`
  writeIntent(dir, intentPath, { segment, records, bytes })
  rmSync(droppingPath, { force: true })
  fsyncDir(dir)
  announce(dir, intentPath)
}

/** Atomically creates `path` holding `intent`, durable (file and directory entry) on return. */
function writeIntent(dir: string, path: string, intent: Intent): void {
  const tmp = `${path}${TMP_SUFFIX}`
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600)
  try {
    writeSync(fd, `${JSON.stringify(intent)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDir(dir)
}

/** Publishes the intent's `segment-dropped`, then removes it. A damaged intent is kept, not guessed at. */
function announce(dir: string, intentPath: string): void {
  let text: string
  try {
    text = readFileSync(intentPath, 'utf8')
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return // another process announced it
    throw error
  }
  const intent = parseIntent(text)
  if (intent === undefined) return // foreign or damaged content: left in place, never announced as a guess
  publishOutboxEvent({ type: 'segment-dropped', dir, ...intent })
  rmSync(intentPath, { force: true })
}

/** Complete lines that start like a frame (no JSON parsing: this runs on the append path). Streams. */
export function countFrames(path: string): { records: number; bytes: number } {
  const fd = openSync(path, 'r')
  try {
    let records = 0
    const lines = readLines(fdReader(fd), 0)
    for (let next = lines.next(); ; next = lines.next()) {
      if (next.done === true) return { records, bytes: next.value.end + next.value.incompleteBytes }
      const line = next.value
      if (!line.frontTruncated && line.bytes.subarray(0, PREFIX.length).equals(PREFIX)) records++
    }
  } finally {
    closeSync(fd)
  }
}
