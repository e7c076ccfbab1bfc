// The durable outbox: a report sink that appends every report, fsynced, before the guarded call rejects,
// to a directory of size-bounded JSONL segments that several processes may share. Delivery (HttpsDelivery)
// and export (exportAggregate) read it back; neither ever changes it.
import { randomUUID } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { resolve } from 'node:path'
import { ErrorCode, parseOptions, type Report, ReportSchema, SdkError, toSdkError } from '@mua-sts/core'
import * as z from 'zod'
import { publishOutboxEvent } from '../channels.js'
import type { ReportSink } from '../sink.js'
import { buildTlsrptReport, type TlsrptExportOptions, toIsoInstant } from '../tlsrpt/export.js'
import type { TlsrptReport } from '../tlsrpt/schema.js'
import { SegmentAppender } from './appender.js'
import { encodeFrame, MAX_RECORD_BYTES } from './frame.js'
import { decodeLines, fdReader } from './read-lines.js'
import { ensureOutboxDir, isErrno, listSegments, segmentPath } from './segments.js'

/** Default rotation size of a segment (1 MiB). */
export const DEFAULT_MAX_SEGMENT_BYTES = 1024 * 1024
/** Default number of segments kept (about 8 MiB of reports). */
export const DEFAULT_MAX_SEGMENTS = 8

/** Options of {@link JsonlOutbox}. */
export const JsonlOutboxOptionsSchema = z.strictObject({
  /** Directory of the outbox; created (0700) if missing. Processes sharing it must be on one local disk. */
  dir: z.string().min(1).max(4096),
  /** Rotate the active segment once it reaches this many bytes. */
  maxSegmentBytes: z
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024 * 1024)
    .optional(),
  /** Segments kept, the active one included; beyond it the oldest is dropped and announced. */
  maxSegments: z.number().int().min(2).max(100_000).optional(),
  /** Sink name in diagnostics. */
  name: z.string().min(1).max(64).optional(),
})
/** Input options of {@link JsonlOutbox}. */
export type JsonlOutboxOptions = z.input<typeof JsonlOutboxOptionsSchema>

/** A time window over `report.generatedAt`: `from` inclusive, `to` exclusive. */
export type OutboxRange = { readonly from?: Date | string; readonly to?: Date | string }

/** What {@link JsonlOutbox.read} found. */
export type OutboxReadResult = {
  /** Valid reports in append order, each reportId once. */
  readonly reports: Report[]
  /** Lines or torn fragments that failed the checksum, JSON or ReportSchema, and were skipped. */
  readonly skipped: number
  /** Bytes at segment ends without a newline: a torn last line, or an append in progress. */
  readonly incompleteBytes: number
  /** Records whose reportId was already seen (an append retried after its segment was dropped). */
  readonly duplicates: number
}

/**
 * A durable, multi-process JSONL outbox for reports, and a {@link ReportSink}.
 *
 * `write()` appends and fdatasyncs synchronously, so the report is on disk before the guard rejects.
 * The constructor validates options (MUASTS_ERR_INVALID_OPTION) and does I/O (creates the directory).
 */
export class JsonlOutbox implements ReportSink {
  readonly name: string
  /** Absolute directory path. */
  readonly dir: string
  /** Random id of this outbox directory; a delivery cursor is only valid for the outbox it was made for. */
  readonly id: string
  readonly maxSegmentBytes: number
  readonly maxSegments: number
  readonly #appender: SegmentAppender

  constructor(options: JsonlOutboxOptions) {
    const opts = parseOptions(JsonlOutboxOptionsSchema, options, 'JsonlOutbox')
    this.name = opts.name ?? 'jsonl-outbox'
    this.dir = resolve(opts.dir)
    this.maxSegmentBytes = opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES
    this.maxSegments = opts.maxSegments ?? DEFAULT_MAX_SEGMENTS
    try {
      this.id = ensureOutboxDir(this.dir)
      this.#appender = new SegmentAppender({
        dir: this.dir,
        maxSegmentBytes: this.maxSegmentBytes,
        maxSegments: this.maxSegments,
      })
    } catch (error) {
      throw outboxError(error, `cannot open the outbox at ${this.dir}`)
    }
  }

  /**
   * ReportSink entry point: appends `report` durably before returning. Does I/O (write + fdatasync).
   * Throws MUASTS_ERR_INVALID_OPTION for a report that fails ReportSchema, MUASTS_ERR_TOO_LARGE when even
   * the trimmed report exceeds the record cap, MUASTS_ERR_REPORT_DELIVERY on I/O failure.
   */
  write(report: Report): void {
    const parsed = ReportSchema.safeParse(report)
    if (!parsed.success) {
      throw new SdkError(
        ErrorCode.InvalidOption,
        'JsonlOutbox.write: the report does not match ReportSchema',
        {
          cause: parsed.error,
        },
      )
    }
    const frame = this.#frameFor(parsed.data)
    try {
      this.#appender.append(frame, report.reportId)
    } catch (error) {
      throw outboxError(error, `outbox append failed in ${this.dir}`)
    }
  }

  /**
   * Reads every valid report in `range`, oldest segment first. Bad lines are skipped and counted, a torn
   * tail is ignored; it never throws on file content. Does synchronous I/O (the whole outbox, at most
   * about maxSegments × maxSegmentBytes). Throws MUASTS_ERR_INVALID_OPTION for a bad range.
   */
  read(range: OutboxRange = {}): OutboxReadResult {
    const from = range.from === undefined ? undefined : toIsoInstant(range.from, 'read options.from')
    const to = range.to === undefined ? undefined : toIsoInstant(range.to, 'read options.to')
    const reports: Report[] = []
    const ids = new Set<string>()
    let skipped = 0
    let incompleteBytes = 0
    let duplicates = 0
    for (const seq of listSegments(this.dir)) {
      const decoded = this.#readSegment(seq)
      if (decoded === undefined) continue
      skipped += decoded.skipped
      incompleteBytes += decoded.incompleteBytes
      for (const { report } of decoded.records) {
        if (ids.has(report.reportId)) {
          duplicates++
          continue
        }
        ids.add(report.reportId)
        if (from !== undefined && report.generatedAt < from) continue
        if (to !== undefined && report.generatedAt >= to) continue
        reports.push(report)
      }
    }
    return { reports, skipped, incompleteBytes, duplicates }
  }

  /**
   * RFC 8460 §4.4-shaped aggregate of the reports generated in `[from, to)`, validated against
   * TlsrptReportSchema. Does synchronous I/O (reads the outbox). Throws MUASTS_ERR_INVALID_OPTION.
   */
  exportAggregate(options: TlsrptExportOptions): TlsrptReport {
    const { reports } = this.read({ from: options.from, to: options.to })
    return buildTlsrptReport(reports, { ...options, reportId: options.reportId ?? `mua-sts-${randomUUID()}` })
  }

  /** Sequence numbers of the segments present, oldest first. Does I/O. */
  segments(): number[] {
    return listSegments(this.dir)
  }

  /** Absolute path of segment `seq`. Pure. */
  segmentPath(seq: number): string {
    return segmentPath(this.dir, seq)
  }

  /** Closes the append descriptor; a later write() reopens it. */
  close(): void {
    this.#appender.close()
  }

  #readSegment(seq: number): ReturnType<typeof decodeLines> | undefined {
    let fd: number
    try {
      fd = openSync(segmentPath(this.dir, seq), 'r')
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined // dropped since listing (and announced by its dropper)
      throw outboxError(error, `cannot read outbox segment ${seq}`)
    }
    try {
      return decodeLines(fdReader(fd))
    } finally {
      closeSync(fd)
    }
  }

  /** Frames `report`, trimming `observed` then `expected` if it is over the record cap (announced). */
  #frameFor(report: Report): Buffer {
    let frame = encodeFrame(report)
    if (frame.length <= MAX_RECORD_BYTES) return frame
    const trimmed: Report = { ...report }
    const removed: string[] = []
    for (const key of ['observed', 'expected'] as const) {
      if (trimmed[key] === undefined) continue
      delete trimmed[key]
      removed.push(key)
      frame = encodeFrame(trimmed)
      if (frame.length <= MAX_RECORD_BYTES) {
        publishOutboxEvent({ type: 'record-trimmed', dir: this.dir, reportId: report.reportId, removed })
        return frame
      }
    }
    throw new SdkError(ErrorCode.TooLarge, `report ${report.reportId} exceeds ${MAX_RECORD_BYTES} bytes`, {
      details: { reportId: report.reportId, bytes: frame.length },
    })
  }
}

function outboxError(error: unknown, message: string): SdkError {
  if (error instanceof SdkError) return error
  const cause = toSdkError(error, ErrorCode.ReportOutboxIo)
  return new SdkError(ErrorCode.ReportOutboxIo, `${message}: ${cause.message}`, { cause: error })
}
