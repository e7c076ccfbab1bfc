// Builds one delivery batch from the outbox, in bounded memory, aggregated by dedupKey so an app that
// retries a refused connection every 30 s sends one entry with a count, not a flood. Wire format
// (documented in the README, validated by receivers with DeliveryBatchSchema):
//
//   { "version": 1, "batchId": "<sha256 hex>", "outboxId": "<hex>",
//     "reports": [ { "dedupKey", "count", "firstSeen", "lastSeen", "reportIds": [...], "report": {latest} } ] }
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync } from 'node:fs'
import { IsoTimeSchema, type Report, ReportSchema } from '@mua-sts/core'
import * as z from 'zod'
import { decodeLine } from '../outbox/frame.js'
import { fdReader, readLines } from '../outbox/read-lines.js'
import { isErrno } from '../outbox/segments.js'
import type { DeliveryCursor } from './cursor.js'

/** `version` of the delivery POST body. */
export const DELIVERY_FORMAT_VERSION = 1

/** One aggregated entry of a delivery batch: all reports sharing a dedupKey. */
export const DeliveryEntrySchema = z.strictObject({
  dedupKey: z.string().max(512),
  /** Reports aggregated into this entry (= reportIds.length). */
  count: z.number().int().min(1),
  firstSeen: IsoTimeSchema,
  lastSeen: IsoTimeSchema,
  /** Every aggregated report id: the receiver dedups on these (delivery is at-least-once). */
  reportIds: z.array(z.string().min(8).max(64)).min(1),
  /** The most recent report of the group. */
  report: ReportSchema,
})
/** One aggregated entry (see DeliveryEntrySchema). */
export type DeliveryEntry = z.infer<typeof DeliveryEntrySchema>

/** The delivery POST body; receivers validate incoming batches with it. */
export const DeliveryBatchSchema = z.strictObject({
  version: z.literal(DELIVERY_FORMAT_VERSION),
  /** Same value as the Idempotency-Key header; identical for a re-sent identical batch. */
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  outboxId: z.string().regex(/^[0-9a-f]{32}$/),
  reports: z.array(DeliveryEntrySchema).min(1),
})
/** The JSON body of one delivery POST. */
export type DeliveryBatch = z.infer<typeof DeliveryBatchSchema>

/** Upper bounds of one batch, in outbox records and record bytes. */
export type BatchLimits = { readonly maxReports: number; readonly maxBytes: number }

/** What the outbox needs to expose for batching. */
export type OutboxSource = {
  readonly id: string
  segments(): number[]
  segmentPath(seq: number): string
}

/** A batch read from the outbox, with the cursor movement it earns once acknowledged. */
export type CollectedBatch = {
  /** Undefined when only invalid lines were passed over (the cursor still advances past them). */
  readonly body: DeliveryBatch | undefined
  readonly records: number
  /** Segment → new acknowledged offset once this batch is accepted. */
  readonly advance: ReadonlyMap<number, number>
  /** Segment → invalid lines passed over. */
  readonly skipped: ReadonlyMap<number, number>
  /** Segments whose cursor offset was beyond their size (replaced file): they were read from 0. */
  readonly rewound: readonly number[]
}

type Collector = {
  entries: Map<string, DeliveryEntry>
  records: number
  bytes: number
  advance: Map<number, number>
  skipped: Map<number, number>
  rewound: number[]
  ranges: string[]
}

function addRecord(c: Collector, r: Report): void {
  const e = c.entries.get(r.dedupKey)
  if (e === undefined) {
    const entry = { dedupKey: r.dedupKey, count: 1, firstSeen: r.generatedAt, lastSeen: r.generatedAt }
    c.entries.set(r.dedupKey, { ...entry, reportIds: [r.reportId], report: r })
    return
  }
  e.count++
  e.reportIds.push(r.reportId)
  if (r.generatedAt < e.firstSeen) e.firstSeen = r.generatedAt
  if (r.generatedAt >= e.lastSeen) {
    e.lastSeen = r.generatedAt
    e.report = r
  }
}

/** Reads one segment from `from` into the collector; returns false once a limit stopped it. */
function collectSegment(c: Collector, path: string, seq: number, from: number, limits: BatchLimits): boolean {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true // dropped meanwhile (announced by the outbox)
    throw error
  }
  try {
    let start = from
    if (fstatSync(fd).size < start) {
      c.rewound.push(seq)
      start = 0
    }
    let end = start
    const lines = readLines(fdReader(fd), start)
    for (let next = lines.next(); next.done !== true; next = lines.next()) {
      const line = next.value
      const outcome = decodeLine(line.bytes, line.frontTruncated)
      if (outcome.report !== undefined) {
        const size = line.end - line.start
        const full = c.records >= limits.maxReports || (c.records > 0 && c.bytes + size > limits.maxBytes)
        if (full) {
          lines.return({ end, incompleteBytes: 0 })
          finishRange(c, seq, start, end)
          return false
        }
        c.records++
        c.bytes += size
        addRecord(c, outcome.report)
      }
      if (outcome.skipped) c.skipped.set(seq, (c.skipped.get(seq) ?? 0) + 1)
      end = line.end
    }
    finishRange(c, seq, start, end)
    return true
  } finally {
    closeSync(fd)
  }
}

function finishRange(c: Collector, seq: number, start: number, end: number): void {
  if (end === start) return
  c.advance.set(seq, end)
  c.ranges.push(`${seq}:${start}-${end}`)
}

/**
 * Collects the next batch after `cursor`: oldest segment first, at most `maxReports` records and about
 * `maxBytes` of record text (always at least one record). Returns undefined when there is nothing new.
 * Does synchronous I/O, bounded by the limits.
 */
export function collectBatch(
  outbox: OutboxSource,
  cursor: DeliveryCursor,
  limits: BatchLimits,
): CollectedBatch | undefined {
  const c: Collector = {
    entries: new Map(),
    records: 0,
    bytes: 0,
    advance: new Map(),
    skipped: new Map(),
    rewound: [],
    ranges: [],
  }
  for (const seq of outbox.segments()) {
    const from = cursor.offsets[String(seq)] ?? 0
    if (!collectSegment(c, outbox.segmentPath(seq), seq, from, limits)) break
  }
  if (c.advance.size === 0) return undefined
  const batchId = createHash('sha256')
    .update(`${outbox.id}|${c.ranges.join(',')}`)
    .digest('hex')
  const body: DeliveryBatch | undefined =
    c.records === 0
      ? undefined
      : { version: DELIVERY_FORMAT_VERSION, batchId, outboxId: outbox.id, reports: [...c.entries.values()] }
  return { body, records: c.records, advance: c.advance, skipped: c.skipped, rewound: c.rewound }
}

/** Applies an accepted batch to the cursor. Pure. */
export function advanceCursor(cursor: DeliveryCursor, batch: CollectedBatch): DeliveryCursor {
  const offsets = { ...cursor.offsets }
  for (const [seq, end] of batch.advance) offsets[String(seq)] = end
  return { ...cursor, offsets }
}
