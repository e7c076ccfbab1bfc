// The opt-in JSONL log of security records (issue #14): one line per checked connection, passed or
// refused, kept beside the report outbox only when the app adds it as a record sink. A record carries
// no credential, no user name and no mail address (SecurityRecordSchema is strict; the account is an
// opaque ref), so this log holds none either: every record is re-validated before it is written.
// Bounded: the log rotates to one previous file at `maxBytes`, so it never holds more than twice that.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ErrorCode, parseOptions, SdkError, type SecurityRecord, SecurityRecordSchema } from '@mua-sts/core'
import * as z from 'zod'
import type { SecurityRecordSink } from '../dispatcher.js'

/** File names inside the log directory. */
export const RECORD_LOG_FILE = 'records.jsonl'
export const RECORD_LOG_PREVIOUS = 'records.1.jsonl'
/** Default rotation size (1 MiB, a few thousand records). */
export const DEFAULT_RECORD_LOG_BYTES = 1024 * 1024
/** A record line longer than this is refused (a real one is under 1 KiB). */
const MAX_LINE = 8 * 1024

export const JsonlRecordLogOptionsSchema = z.strictObject({
  /** Directory of the log, e.g. `<outbox dir>/records`; created (0700) if missing. */
  dir: z.string().min(1).max(4096),
  /** Rotate once the current file reaches this many bytes. */
  maxBytes: z
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024 * 1024)
    .optional(),
  name: z.string().min(1).max(64).optional(),
})
export type JsonlRecordLogOptions = z.input<typeof JsonlRecordLogOptionsSchema>

/** What {@link JsonlRecordLog.read} found. */
export type RecordLogReadResult = {
  /** Valid records, oldest first, each recordId once. */
  readonly records: SecurityRecord[]
  /** Lines that were not JSON or failed SecurityRecordSchema, skipped. */
  readonly skipped: number
}

/**
 * A security-record sink that appends one JSON line per record. Opt-in: add it with
 * `new ReportDispatcher(sinks, { recordSinks: [log] })`. Appends are synchronous and small (no fsync:
 * a record is a statistic, not evidence of an attack; the report outbox keeps the evidence durably).
 * The constructor validates options (MUASTS_ERR_INVALID_OPTION) and does I/O (creates the directory).
 */
export class JsonlRecordLog implements SecurityRecordSink {
  readonly name: string
  readonly dir: string
  readonly maxBytes: number

  constructor(options: JsonlRecordLogOptions) {
    const opts = parseOptions(JsonlRecordLogOptionsSchema, options, 'JsonlRecordLog')
    this.name = opts.name ?? 'jsonl-record-log'
    this.dir = resolve(opts.dir)
    this.maxBytes = opts.maxBytes ?? DEFAULT_RECORD_LOG_BYTES
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
  }

  /**
   * Appends `record` (I/O). Throws MUASTS_ERR_INVALID_OPTION for a value that is not a schema-valid
   * record, so nothing but a record's own fields ever reaches the disk; the dispatcher isolates throws.
   */
  writeRecord(record: SecurityRecord): void {
    const checked = SecurityRecordSchema.safeParse(record)
    if (!checked.success)
      throw new SdkError(ErrorCode.InvalidOption, 'JsonlRecordLog: not a security record', {
        cause: checked.error,
      })
    const line = `${JSON.stringify(checked.data)}\n`
    if (line.length > MAX_LINE) throw new SdkError(ErrorCode.TooLarge, 'JsonlRecordLog: record too large')
    const current = join(this.dir, RECORD_LOG_FILE)
    if (existsSync(current) && statSync(current).size + line.length > this.maxBytes)
      renameSync(current, join(this.dir, RECORD_LOG_PREVIOUS))
    appendFileSync(current, line, { mode: 0o600 })
  }

  /** Reads both files back (I/O), oldest first. Damaged lines are counted and skipped, never thrown. */
  read(): RecordLogReadResult {
    const records: SecurityRecord[] = []
    const seen = new Set<string>()
    let skipped = 0
    for (const file of [RECORD_LOG_PREVIOUS, RECORD_LOG_FILE]) {
      const path = join(this.dir, file)
      if (!existsSync(path)) continue
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue
        const record = parseLine(line)
        if (record === undefined) skipped++
        else if (!seen.has(record.recordId)) {
          seen.add(record.recordId)
          records.push(record)
        }
      }
    }
    return { records, skipped }
  }
}

function parseLine(line: string): SecurityRecord | undefined {
  if (line.length > MAX_LINE) return undefined
  try {
    const r = SecurityRecordSchema.safeParse(JSON.parse(line))
    return r.success ? r.data : undefined
  } catch {
    return undefined
  }
}
