// Delivery from the report stream with a consumer group (XREADGROUP/XACK): an entry is acknowledged
// only after `deliver` resolved, so the reports of a worker that crashed mid-batch stay pending and a
// live worker claims them (XAUTOCLAIM) once they have been idle for `claimIdleMs`. Delivery is at least
// once: a crash between `deliver` and the acknowledgement repeats that batch. Duplicates are removed
// by report id: a delivered id is marked (SET … EX) and skipped afterwards, and receivers should also
// key on `reportId` for the crash window above.
import { ErrorCode, parseOptions, type Report, SdkError } from '@mua-sts/core'
import * as z from 'zod'
import { createClient, type RedisClient, roundTrip } from '../client/connection.js'
import { type ReportKeys, ReportStreamShape, reportKeys } from './report-keys.js'
import { parseEntry, type StreamEntry } from './report-stream.js'

/** Options of RedisReportWorker (zod; parsed by the constructor). */
export const RedisReportWorkerOptionsSchema = z.strictObject({
  ...ReportStreamShape,
  /** Consumer group name; every delivery worker of the fleet uses the same one. */
  group: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('mua-sts-delivery'),
  /** This worker's name in the group (unique per process, e.g. host + pid). */
  consumer: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  /** Sends a batch onwards (HTTPS, a queue, a database); reject to have the batch redelivered later. */
  deliver: z.custom<(reports: Report[]) => Promise<void>>(
    (v) => typeof v === 'function',
    'expected a function',
  ),
  batchSize: z.number().int().min(1).max(1000).default(50),
  /** Pending entries idle this long belong to a crashed (or stuck) worker and are claimed. */
  claimIdleMs: z.number().int().min(0).max(86_400_000).default(60_000),
  /** How long a delivered report id is remembered for de-duplication. */
  dedupTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .default(7 * 86_400),
  /** XREADGROUP BLOCK time when the stream is empty. */
  blockMs: z.number().int().min(0).max(60_000).default(1000),
})
/** Input options of RedisReportWorker. */
export type RedisReportWorkerOptions = z.input<typeof RedisReportWorkerOptionsSchema>

/** What one round did. */
export type WorkerRound = {
  /** Entries taken over from other consumers' pending lists. */
  readonly claimed: number
  readonly delivered: number
  /** Entries whose report id was already delivered (acknowledged without delivering again). */
  readonly duplicates: number
  /** Entries that are no valid report: moved to the dead-letter stream, then acknowledged. */
  readonly rejected: number
}

type Entries = Array<[string, string[]]>

/** One delivery worker of the fleet. Holds its own Redis connection. */
export class RedisReportWorker {
  readonly keys: ReportKeys
  readonly #o: z.output<typeof RedisReportWorkerOptionsSchema>
  readonly #client: RedisClient
  #grouped = false

  /** Validates options (MUASTS_ERR_INVALID_OPTION) and starts connecting in the background. */
  constructor(options: RedisReportWorkerOptions) {
    this.#o = parseOptions(RedisReportWorkerOptionsSchema, options, 'RedisReportWorker')
    this.keys = reportKeys(this.#o.prefix)
    this.#client = createClient(this.#o.connection, `mua-sts-worker-${this.#o.consumer}`, this.#o.blockMs)
  }

  /**
   * Claims idle pending entries, or reads new ones, and delivers one batch. Rejects with
   * MUASTS_ERR_REPORT_DELIVERY when `deliver` rejected (the batch stays pending), MUASTS_ERR_STORE_IO
   * when Redis is unreachable.
   */
  async runOnce(): Promise<WorkerRound> {
    await this.#ensureGroup()
    const { stream } = this.keys
    const { group, consumer, batchSize, claimIdleMs, blockMs } = this.#o
    const [, claimedEntries] = (await this.#io('xautoclaim', () =>
      this.#client.xautoclaim(stream, group, consumer, claimIdleMs, '0-0', 'COUNT', batchSize),
    )) as [string, Entries]
    const claimed = claimedEntries.filter((e) => e !== null && Array.isArray(e[1]))
    let entries: Entries = claimed
    if (entries.length === 0) {
      const read = (await this.#io('xreadgroup', () =>
        blockMs === 0
          ? this.#client.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', stream, '>')
          : this.#client.xreadgroup(
              'GROUP',
              group,
              consumer,
              'COUNT',
              batchSize,
              'BLOCK',
              blockMs,
              'STREAMS',
              stream,
              '>',
            ),
      )) as Array<[string, Entries]> | null
      entries = read?.[0]?.[1] ?? []
    }
    return { claimed: claimed.length, ...(await this.#process(entries.map(([id, f]) => parseEntry(id, f)))) }
  }

  /** Runs rounds until `signal` aborts; a failed round is retried after `retryMs`. */
  async run(
    signal: AbortSignal,
    onError: (error: unknown) => void = () => {},
    retryMs = 1000,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.runOnce()
      } catch (error) {
        onError(error)
        await new Promise((r) => setTimeout(r, retryMs))
      }
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect())
  }

  async #process(entries: StreamEntry[]): Promise<Omit<WorkerRound, 'claimed'>> {
    if (entries.length === 0) return { delivered: 0, duplicates: 0, rejected: 0 }
    const { stream, dead } = this.keys
    const valid = entries.flatMap((e) => ('report' in e ? [e] : []))
    const invalid = entries.flatMap((e) => ('invalid' in e ? [e] : []))
    const seen = await this.#io('dedup', () => {
      const p = this.#client.pipeline()
      for (const e of valid) p.exists(this.keys.done(e.report.reportId))
      return p.exec()
    })
    const fresh = new Map<string, Report>()
    valid.forEach((e, i) => {
      if (seen?.[i]?.[1] !== 1) fresh.set(e.report.reportId, e.report)
    })
    if (fresh.size > 0) {
      try {
        await this.#o.deliver([...fresh.values()])
      } catch (error) {
        throw new SdkError(
          ErrorCode.ReportDelivery,
          'The report batch was not delivered; it stays pending.',
          {
            cause: error,
          },
        )
      }
    }
    await this.#io('ack', async () => {
      const p = this.#client.pipeline()
      for (const id of fresh.keys()) p.set(this.keys.done(id), '1', 'EX', this.#o.dedupTtlSeconds)
      for (const e of invalid)
        p.xadd(dead, 'MAXLEN', '~', 10_000, '*', 'from', e.id, 'reason', e.invalid, 'raw', e.raw)
      p.xack(stream, this.#o.group, ...entries.map((e) => e.id))
      const out = await p.exec()
      for (const [error] of out ?? []) if (error) throw error
    })
    return { delivered: fresh.size, duplicates: valid.length - fresh.size, rejected: invalid.length }
  }

  async #ensureGroup(): Promise<void> {
    if (this.#grouped) return
    await this.#io('xgroup', async () => {
      try {
        await this.#client.xgroup('CREATE', this.keys.stream, this.#o.group, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    })
    this.#grouped = true
  }

  #io<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return roundTrip(this.#client, this.#o.connection.commandTimeoutMs ?? 2000, operation, work)
  }
}
