// Delivers the outbox to an HTTPS collector the app configures: at-least-once, aggregated by dedupKey,
// resumable after a crash or while offline (the cursor records what the collector acknowledged).
// Delivery never touches the decision path: guards only append to the outbox; this runs on its own time.
import { join } from 'node:path'
import { ErrorCode, isSdkError, parseOptions, SdkError, toSdkError } from '@mua-sts/core'
import { publishDeliveryEvent } from '../channels.js'
import type { JsonlOutbox } from '../outbox/jsonl-outbox.js'
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './backoff.js'
import { advanceCursor, type BatchLimits, type CollectedBatch, collectBatch } from './batch.js'
import { type DeliveryCursor, loadCursor, pruneCursor, saveCursor } from './cursor.js'
import {
  type DeliveryTimers,
  type HttpsDeliveryOptions,
  HttpsDeliveryOptionsSchema,
} from './delivery-options.js'
import { createDeliveryAgent, type PostTarget, postJson } from './https-post.js'

/** What one flush() delivered. */
export type FlushResult = {
  /** Outbox records acknowledged by the collector. */
  readonly delivered: number
  /** Aggregated entries sent (≤ delivered). */
  readonly entries: number
  readonly batches: number
}

const defaultTimers: DeliveryTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * Streams the outbox to an HTTPS collector in aggregated batches. Options are validated eagerly
 * (MUASTS_ERR_INVALID_OPTION). Records stay in the outbox until the collector answers 2xx.
 */
export class HttpsDelivery {
  readonly endpoint: string
  readonly #outbox: JsonlOutbox
  readonly #cursorPath: string
  readonly #target: PostTarget
  readonly #limits: BatchLimits
  readonly #retry: RetryPolicy
  readonly #intervalMs: number
  readonly #timers: DeliveryTimers
  readonly #random: () => number
  readonly #agent = createDeliveryAgent()
  #inflight: Promise<FlushResult> | undefined
  #controller = new AbortController()
  #running = false
  #timer: unknown

  constructor(options: HttpsDeliveryOptions) {
    const o = parseOptions(HttpsDeliveryOptionsSchema, options, 'HttpsDelivery')
    this.endpoint = o.endpoint
    this.#outbox = o.outbox
    this.#cursorPath = o.cursorPath ?? join(o.outbox.dir, 'delivery-cursor.json')
    this.#target = {
      url: new URL(o.endpoint),
      ca: o.ca === undefined ? undefined : typeof o.ca === 'string' ? [o.ca] : o.ca,
      spkiPins: o.spkiPins,
      timeoutMs: o.timeoutMs ?? 30_000,
      headers: { 'user-agent': '@mua-sts/reports', ...o.headers },
    }
    this.#limits = { maxReports: o.maxBatchReports ?? 500, maxBytes: o.maxBatchBytes ?? 1024 * 1024 }
    this.#retry = {
      attempts: o.retry?.attempts ?? DEFAULT_RETRY.attempts,
      baseDelayMs: o.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: o.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    }
    this.#intervalMs = o.intervalMs ?? 60_000
    this.#timers = o.timers ?? defaultTimers
    this.#random = o.random ?? Math.random
  }

  /**
   * Sends everything not yet acknowledged, batch by batch, retrying each with backoff. Concurrent calls
   * share one run. Does network and file I/O. Rejects with MUASTS_ERR_REPORT_DELIVERY (the batch and all
   * later records stay in the outbox) or MUASTS_ERR_ABORTED after stop().
   */
  flush(): Promise<FlushResult> {
    if (this.#inflight !== undefined) return this.#inflight
    if (this.#controller.signal.aborted) this.#controller = new AbortController()
    const run = this.#flushAll(this.#controller.signal)
      .catch((error: unknown) => {
        // Outbox or cursor I/O failures surface with the delivery code too; nothing was marked delivered.
        if (isSdkError(error)) throw error
        throw new SdkError(ErrorCode.ReportDelivery, `delivery failed: ${toSdkError(error).message}`, {
          cause: error,
        })
      })
      .finally(() => {
        this.#inflight = undefined
      })
    this.#inflight = run
    return run
  }

  /** Flushes now and then every `intervalMs` in the background; failures go to `mua-sts:delivery`. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#schedule(0)
  }

  /** Stops background flushing, aborts an in-flight request or backoff wait, and closes idle sockets. */
  async stop(): Promise<void> {
    this.#running = false
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#controller.abort()
    await this.#inflight?.catch(() => undefined)
    this.#agent.destroy()
  }

  /** Valid records in the outbox not yet acknowledged by the collector. Sync I/O over the backlog. */
  backlog(): number {
    let cursor = this.#cursor()
    let total = 0
    for (;;) {
      const batch = collectBatch(this.#outbox, cursor, { maxReports: 10_000, maxBytes: 64 * 1024 * 1024 })
      if (batch === undefined) return total
      total += batch.records
      cursor = advanceCursor(cursor, batch)
    }
  }

  #schedule(ms: number): void {
    const handle = this.#timers.setTimeout(() => {
      this.#timer = undefined
      if (!this.#running) return
      this.flush()
        .catch((error: unknown) => {
          if (!isSdkError(error, ErrorCode.Aborted)) {
            publishDeliveryEvent({ type: 'flush-failed', endpoint: this.endpoint, error })
          }
        })
        .finally(() => {
          if (this.#running) this.#schedule(this.#intervalMs)
        })
    }, ms)
    // A background interval must not keep the app alive on its own (backoff waits inside an awaited
    // flush() do keep it alive, so an awaited flush is never cut short by process exit).
    if (typeof (handle as { unref?: unknown })?.unref === 'function') (handle as { unref(): void }).unref()
    this.#timer = handle
  }

  #cursor(): DeliveryCursor {
    const loaded = loadCursor(this.#cursorPath, this.#outbox.id)
    if (loaded.reset !== undefined) publishDeliveryEvent({ type: 'cursor-reset', reason: loaded.reset })
    return pruneCursor(loaded.cursor, this.#outbox.segments())
  }

  async #flushAll(signal: AbortSignal): Promise<FlushResult> {
    let cursor = this.#cursor()
    let delivered = 0
    let entries = 0
    let batches = 0
    let limits = this.#limits
    for (;;) {
      if (signal.aborted) throw aborted()
      const batch = collectBatch(this.#outbox, cursor, limits)
      if (batch === undefined) return { delivered, entries, batches }
      announceSkips(batch)
      if (batch.body !== undefined) {
        const outcome = await this.#send(batch, signal)
        if (outcome === 'too-large' && batch.records > 1) {
          limits = { ...limits, maxReports: Math.max(1, Math.floor(batch.records / 2)) }
          continue
        }
        delivered += batch.records
        entries += batch.body.reports.length
        batches++
        publishDeliveryEvent({
          type: 'delivered',
          endpoint: this.endpoint,
          records: batch.records,
          entries: batch.body.reports.length,
        })
      }
      cursor = advanceCursor(cursor, batch)
      await saveCursor(this.#cursorPath, cursor)
    }
  }

  /** POSTs one batch with retries. Resolves 'ok' on 2xx, 'too-large' on 413; otherwise rejects. */
  async #send(batch: CollectedBatch, signal: AbortSignal): Promise<'ok' | 'too-large'> {
    const body = batch.body
    if (body === undefined) return 'ok'
    const bytes = Buffer.from(JSON.stringify(body))
    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      try {
        const { status } = await postJson(this.#target, bytes, body.batchId, this.#agent, signal)
        if (status >= 200 && status < 300) return 'ok'
        if (status === 413 && batch.records > 1) return 'too-large'
        failure = new SdkError(ErrorCode.ReportDelivery, `collector answered HTTP ${status}`, {
          details: { status },
        })
      } catch (error) {
        if (signal.aborted) throw aborted()
        failure = error
      }
      const last = attempt >= this.#retry.attempts
      const retryInMs = last ? null : backoffDelay(attempt, this.#retry, this.#random)
      publishDeliveryEvent({
        type: 'attempt-failed',
        endpoint: this.endpoint,
        attempt,
        retryInMs,
        error: failure,
      })
      if (retryInMs === null) {
        const why = toSdkError(failure).message
        throw new SdkError(
          ErrorCode.ReportDelivery,
          `delivery to ${this.endpoint} failed after ${attempt} attempt(s): ${why}`,
          { cause: failure, details: { attempts: attempt, records: batch.records } },
        )
      }
      await this.#sleep(retryInMs, signal)
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false
      let handle: unknown
      const onAbort = (): void => {
        if (settled) return
        settled = true
        this.#timers.clearTimeout(handle)
        reject(aborted())
      }
      signal.addEventListener('abort', onAbort, { once: true })
      handle = this.#timers.setTimeout(() => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      if (signal.aborted) onAbort()
    })
  }
}

function aborted(): SdkError {
  return new SdkError(ErrorCode.Aborted, 'delivery was stopped')
}

function announceSkips(batch: CollectedBatch): void {
  for (const [segment, lines] of batch.skipped)
    publishDeliveryEvent({ type: 'skipped-invalid', segment, lines })
  for (const segment of batch.rewound) {
    publishDeliveryEvent({ type: 'cursor-reset', reason: `segment ${segment} is shorter than its cursor` })
  }
}
