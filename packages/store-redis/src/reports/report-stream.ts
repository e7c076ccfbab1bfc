// The fleet's report stream: every worker's ReportDispatcher appends to one capped Redis stream
// (XADD … MAXLEN ~), and RedisReportWorker delivers from it with a consumer group. The same stream
// feeds the RFC 8460 aggregate (`exportAggregate`, through @mua-sts/reports' buildTlsrptReport).
import { randomUUID } from 'node:crypto'
import { parseOptions, type Report, ReportSchema } from '@mua-sts/core'
import {
  buildTlsrptReport,
  type ReportSink,
  type TlsrptExportOptions,
  type TlsrptReport,
} from '@mua-sts/reports'
import * as z from 'zod'
import { createClient, type RedisClient, roundTrip } from '../client/connection.js'
import { type ReportKeys, ReportStreamShape, reportKeys } from './report-keys.js'

/** Options of RedisReportStream (zod; parsed by the constructor). */
export const RedisReportStreamOptionsSchema = z.strictObject({
  ...ReportStreamShape,
  /** Approximate cap on stream entries (XADD MAXLEN ~): the oldest undelivered reports go first. */
  maxLen: z.number().int().min(100).max(10_000_000).default(100_000),
})
/** Input options of RedisReportStream. */
export type RedisReportStreamOptions = z.input<typeof RedisReportStreamOptionsSchema>

/** A parsed stream entry: a report, or the reason it is not one. */
export type StreamEntry = { readonly id: string } & (
  | { readonly report: Report }
  | { readonly invalid: string; readonly raw: string }
)

/** Parses one entry's fields; Redis is a trust boundary, so zod checks every report read back. Pure. */
export function parseEntry(id: string, fields: string[]): StreamEntry {
  const raw = fields[0] === 'report' ? (fields[1] ?? '') : ''
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return { id, invalid: 'not JSON', raw }
  }
  const parsed = ReportSchema.safeParse(json)
  return parsed.success ? { id, report: parsed.data } : { id, invalid: 'fails the report schema', raw }
}

/**
 * A ReportSink that appends each report to the stream. `write` returns the XADD's promise, which the
 * dispatcher never awaits (a refusal is never delayed by a sink); `whenIdle()` awaits the pending ones.
 */
export class RedisReportStream implements ReportSink {
  readonly name = 'redis-stream'
  readonly keys: ReportKeys
  readonly #client: RedisClient
  readonly #o: z.output<typeof RedisReportStreamOptionsSchema>
  readonly #pending = new Set<Promise<unknown>>()

  /** Validates options (MUASTS_ERR_INVALID_OPTION) and starts connecting in the background. */
  constructor(options: RedisReportStreamOptions) {
    this.#o = parseOptions(RedisReportStreamOptionsSchema, options, 'RedisReportStream')
    this.keys = reportKeys(this.#o.prefix)
    this.#client = createClient(this.#o.connection, 'mua-sts-reports')
  }

  /** Appends `report`. Rejects with MUASTS_ERR_STORE_IO when Redis is unreachable. */
  write(report: Report): Promise<void> {
    const { stream } = this.keys
    const p = this.#io('xadd', () =>
      this.#client.xadd(stream, 'MAXLEN', '~', this.#o.maxLen, '*', 'report', JSON.stringify(report)),
    ).then(() => undefined)
    this.#pending.add(p)
    p.then(
      () => this.#pending.delete(p),
      () => this.#pending.delete(p),
    )
    return p
  }

  /** Resolves once every write started so far has settled. */
  async whenIdle(): Promise<void> {
    await Promise.allSettled([...this.#pending])
  }

  /** Every report in the stream (delivered or not), in order, with invalid entries set apart. */
  async read(): Promise<{ reports: Report[]; invalid: number }> {
    const entries = await this.#io('xrange', () => this.#client.xrange(this.keys.stream, '-', '+'))
    const reports: Report[] = []
    let invalid = 0
    for (const [id, fields] of entries) {
      const e = parseEntry(id, fields)
      if ('report' in e) reports.push(e.report)
      else invalid++
    }
    return { reports, invalid }
  }

  /**
   * RFC 8460 §4.4-shaped aggregate of the stream's reports generated in `[from, to)` (duplicates by
   * report id counted once), as JsonlOutbox.exportAggregate does for a file outbox.
   */
  async exportAggregate(options: TlsrptExportOptions): Promise<TlsrptReport> {
    const { reports } = await this.read()
    return buildTlsrptReport(reports, { ...options, reportId: options.reportId ?? `mua-sts-${randomUUID()}` })
  }

  /** Closes the connection (after pending writes settle). */
  async close(): Promise<void> {
    await this.whenIdle()
    await this.#client.quit().catch(() => this.#client.disconnect())
  }

  #io<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return roundTrip(this.#client, this.#o.connection.commandTimeoutMs ?? 2000, operation, work)
  }
}
