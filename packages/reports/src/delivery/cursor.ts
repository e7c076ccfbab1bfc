// The delivery cursor: per segment, the byte offset up to which every record has been acknowledged by the
// collector. Offsets per segment (not one global position) because a process that had not yet noticed a
// rotation may still append to an older segment; its late records are picked up on the next flush.
// Written atomically (temp file, fsync, rename, fsync dir): a crash leaves the old or the new cursor,
// and either only ever causes a re-send (at-least-once), never a skipped record.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as z from 'zod'
import { fsyncDir, isErrno } from '../outbox/segments.js'

/** The delivery cursor file (`delivery-cursor.json`). */
export const DeliveryCursorSchema = z.strictObject({
  version: z.literal(1),
  /** The outbox this cursor belongs to (JsonlOutbox#id). */
  outboxId: z.string().regex(/^[0-9a-f]{32}$/),
  /** Segment sequence number (decimal string) → acknowledged byte offset. */
  offsets: z.record(z.string().regex(/^\d{1,12}$/), z.number().int().min(0)),
})
/** Acknowledged byte offset per segment, bound to one outbox id. */
export type DeliveryCursor = z.infer<typeof DeliveryCursorSchema>

/** A loaded cursor and, when it had to start over, why. */
export type LoadedCursor = { readonly cursor: DeliveryCursor; readonly reset: string | undefined }

/** A cursor at the start of every segment. Pure. */
export function emptyCursor(outboxId: string): DeliveryCursor {
  return { version: 1, outboxId, offsets: {} }
}

/**
 * Loads the cursor for `outboxId`. A missing file is a first run; an unreadable, invalid or foreign cursor
 * restarts delivery from the beginning and says why in `reset` (re-sending beats skipping). Sync I/O.
 */
export function loadCursor(path: string, outboxId: string): LoadedCursor {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { cursor: emptyCursor(outboxId), reset: undefined }
    return { cursor: emptyCursor(outboxId), reset: `cursor unreadable: ${String(error)}` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { cursor: emptyCursor(outboxId), reset: 'cursor is not JSON' }
  }
  const parsed = DeliveryCursorSchema.safeParse(value)
  if (!parsed.success) return { cursor: emptyCursor(outboxId), reset: 'cursor failed its schema' }
  if (parsed.data.outboxId !== outboxId) {
    return { cursor: emptyCursor(outboxId), reset: 'cursor belongs to a different outbox' }
  }
  return { cursor: parsed.data, reset: undefined }
}

/** Atomically replaces the cursor file. Async I/O. */
export async function saveCursor(path: string, cursor: DeliveryCursor): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.delivery-cursor.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(cursor)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, path)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
  fsyncDir(dir)
}

/** Drops offsets of segments that no longer exist (dropped by the size budget). Pure. */
export function pruneCursor(cursor: DeliveryCursor, present: readonly number[]): DeliveryCursor {
  const keep = new Set(present.map(String))
  const offsets = Object.fromEntries(Object.entries(cursor.offsets).filter(([seq]) => keep.has(seq)))
  return { ...cursor, offsets }
}
