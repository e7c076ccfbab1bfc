// Splits a segment into physical lines with their byte offsets, in bounded memory. Offsets are what the
// delivery cursor stores, so they are exact file positions: `end` is the offset just past the '\n'.
import { readSync } from 'node:fs'
import type { Report } from '@mua-sts/core'
import { decodeLine, MAX_RECORD_BYTES } from './frame.js'

const CHUNK_BYTES = 64 * 1024

/** One complete line (its '\n' excluded from `bytes`). */
export type RawLine = {
  readonly bytes: Buffer
  readonly start: number
  readonly end: number
  /** The line was longer than the cap; only its last MAX_RECORD_BYTES bytes were kept. */
  readonly frontTruncated: boolean
}

/** Where the complete lines ended, and how many bytes follow without a newline (torn or in-progress). */
export type LinesTail = { readonly end: number; readonly incompleteBytes: number }

/** Reads into `buf` from absolute position `pos`; returns the byte count (0 at end of data). */
export type ReadAt = (buf: Buffer, pos: number) => number

/** A ReadAt over an open file descriptor. Does I/O. */
export function fdReader(fd: number): ReadAt {
  return (buf, pos) => readSync(fd, buf, 0, buf.length, pos)
}

/** A ReadAt over bytes already in memory. Pure. */
export function bytesReader(bytes: Uint8Array): ReadAt {
  return (buf, pos) => {
    if (pos >= bytes.length) return 0
    const n = Math.min(buf.length, bytes.length - pos)
    buf.set(bytes.subarray(pos, pos + n))
    return n
  }
}

/**
 * Yields every complete line from `from` on; returns the tail. Holds at most `maxLine` bytes of one line
 * plus one chunk: a line without a newline for longer than that keeps only its last `maxLine` bytes,
 * which still contain any complete frame that ends it (frames are at most MAX_RECORD_BYTES).
 */
export function* readLines(
  read: ReadAt,
  from: number,
  maxLine = MAX_RECORD_BYTES,
): Generator<RawLine, LinesTail> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES)
  let pos = from
  let lineStart = from
  let carry: Buffer[] = []
  let carryLength = 0
  let truncated = false
  const keep = (part: Buffer): void => {
    carry.push(Buffer.from(part)) // copy: `buf` is reused by the next read
    carryLength += part.length
    if (carryLength > maxLine) {
      const all = Buffer.concat(carry)
      carry = [all.subarray(all.length - maxLine)]
      carryLength = maxLine
      truncated = true
    }
  }
  for (;;) {
    const n = read(buf, pos)
    if (n <= 0) break
    let i = 0
    while (i < n) {
      const nl = buf.indexOf(10, i)
      if (nl === -1 || nl >= n) {
        keep(buf.subarray(i, n))
        break
      }
      keep(buf.subarray(i, nl))
      const end = pos + nl + 1
      const bytes = carry.length === 1 ? (carry[0] as Buffer) : Buffer.concat(carry)
      yield { bytes, start: lineStart, end, frontTruncated: truncated }
      carry = []
      carryLength = 0
      truncated = false
      lineStart = end
      i = nl + 1
    }
    pos += n
  }
  return { end: lineStart, incompleteBytes: pos - lineStart }
}

/** One decoded record and the offset just past its line. */
export type ScannedRecord = { readonly report: Report; readonly end: number }

/** Result of decoding every complete line of some bytes. */
export type DecodedBytes = {
  readonly records: ScannedRecord[]
  /** Lines (or torn fragments) that were not a valid record. */
  readonly skipped: number
  /** Bytes after the last newline: a torn tail, or an append still in progress. */
  readonly incompleteBytes: number
}

/** Decodes outbox bytes from `from` on; never throws on any content. Pure over `read`. */
export function decodeLines(read: ReadAt, from = 0): DecodedBytes {
  const records: ScannedRecord[] = []
  let skipped = 0
  const lines = readLines(read, from)
  for (;;) {
    const next = lines.next()
    if (next.done === true) return { records, skipped, incompleteBytes: next.value.incompleteBytes }
    const line = next.value
    const outcome = decodeLine(line.bytes, line.frontTruncated)
    if (outcome.skipped) skipped++
    if (outcome.report !== undefined) records.push({ report: outcome.report, end: line.end })
  }
}

/** Decodes the content of an outbox segment held in memory. Pure, never throws on any content. */
export function decodeOutboxBytes(bytes: Uint8Array): DecodedBytes {
  return decodeLines(bytesReader(bytes))
}
