// The outbox line format. One record = one line = one write(2):
//
//   {"v":1,"sum":"<16 hex>","report":<Report JSON>}\n
//
// `sum` is the first 64 bits of SHA-256 over the exact report JSON text, so a bit flip that still parses
// (a changed hostname, a changed count) is caught instead of being delivered as fact. The fixed prefix
// doubles as a resync marker: inside the report JSON every quote of a string value is escaped, and no
// report object has the keys "v" and "sum", so the byte sequence `{"v":1,"sum":"` can only start a frame.
import { createHash } from 'node:crypto'
import { type Report, ReportSchema } from '@mua-sts/core'

/** The `v` of every outbox line. */
export const FRAME_VERSION = 1
/** How every outbox line starts; also the reader's resync marker. */
export const FRAME_PREFIX = `{"v":${FRAME_VERSION},"sum":"`
const PREFIX_BYTES = Buffer.from(FRAME_PREFIX, 'latin1')
const SUM_LENGTH = 16
const SUM_RE = /^[0-9a-f]{16}$/
const REPORT_KEY = '","report":'
const JSON_START = FRAME_PREFIX.length + SUM_LENGTH + REPORT_KEY.length

/**
 * Largest framed record in bytes, newline included. Bounds the reader's line buffer and a delivery batch
 * entry; larger reports are trimmed first (see JsonlOutbox). Linux serialises O_APPEND writes to a regular
 * file under the inode lock, so concurrent records never interleave at any size; the cap is about memory.
 */
export const MAX_RECORD_BYTES = 64 * 1024

/** Why a line was not accepted as a record. */
export type FrameRejection = 'not_a_frame' | 'checksum_mismatch' | 'not_json' | 'schema_invalid'

/** A decoded line: the report, or why it was rejected. */
export type FrameDecode = { ok: true; report: Report } | { ok: false; reason: FrameRejection }

/** First 64 bits of SHA-256 over the report JSON, hex. Pure. */
export function frameChecksum(reportJson: string): string {
  return createHash('sha256').update(reportJson).digest('hex').slice(0, SUM_LENGTH)
}

/** The exact bytes appended for `report` (one line, trailing newline). Pure. */
export function encodeFrame(report: Report): Buffer {
  const json = JSON.stringify(report)
  return Buffer.from(`${FRAME_PREFIX}${frameChecksum(json)}${REPORT_KEY}${json}}\n`, 'utf8')
}

/** Decodes one line (without its newline). Validates checksum, JSON and ReportSchema. Pure, never throws. */
export function decodeFrame(line: string): FrameDecode {
  if (!line.startsWith(FRAME_PREFIX) || !line.endsWith('}') || line.length <= JSON_START) {
    return { ok: false, reason: 'not_a_frame' }
  }
  const sum = line.slice(FRAME_PREFIX.length, FRAME_PREFIX.length + SUM_LENGTH)
  const key = line.slice(FRAME_PREFIX.length + SUM_LENGTH, JSON_START)
  if (!SUM_RE.test(sum) || key !== REPORT_KEY) return { ok: false, reason: 'not_a_frame' }
  const json = line.slice(JSON_START, -1)
  if (frameChecksum(json) !== sum) return { ok: false, reason: 'checksum_mismatch' }
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return { ok: false, reason: 'not_json' }
  }
  const parsed = ReportSchema.safeParse(value)
  return parsed.success ? { ok: true, report: parsed.data } : { ok: false, reason: 'schema_invalid' }
}

/** What one physical line yielded: at most one report, and whether any bytes had to be skipped. */
export type LineOutcome = { readonly report: Report | undefined; readonly skipped: boolean }

/**
 * Decodes one physical line, recovering a record glued to a torn fragment. Pure, never throws.
 * A crash in the middle of an append leaves a fragment without its newline, and the next append (by any
 * process) lands right after it. A complete frame is always written by one write(2) ending in '\n', so
 * it is always the tail of the line: we resync on the LAST frame prefix. `frontTruncated` means the
 * reader kept only the line's last MAX_RECORD_BYTES bytes (bounded memory), so the head is gone anyway.
 */
export function decodeLine(line: Buffer, frontTruncated: boolean): LineOutcome {
  if (!frontTruncated) {
    if (line.length === 0) return { report: undefined, skipped: false }
    const whole = decodeFrame(line.toString('utf8'))
    if (whole.ok) return { report: whole.report, skipped: false }
  }
  const at = line.lastIndexOf(PREFIX_BYTES)
  if (at > 0 || (frontTruncated && at === 0)) {
    const tail = decodeFrame(line.subarray(at).toString('utf8'))
    if (tail.ok) return { report: tail.report, skipped: true }
  }
  return { report: undefined, skipped: true }
}
