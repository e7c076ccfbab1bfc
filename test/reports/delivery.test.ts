// HttpsDelivery against a real loopback HTTPS collector (test-PKI certificates, real TLS validation).
import diagnostics_channel from 'node:diagnostics_channel'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import {
  DELIVERY_CHANNEL,
  DeliveryBatchSchema,
  type DeliveryEvent,
  type DeliveryTimers,
  encodeFrame,
  HttpsDelivery,
  type HttpsDeliveryOptions,
  JsonlOutbox,
} from '@mua-sts/reports'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { type Collector, receivedReportIds, startCollector } from '../support/collector.js'
import { sampleReport } from './sample-reports.js'

const pki = testPki()
let collector: Collector
beforeAll(async () => {
  collector = await startCollector({ leaf: pki.good })
})
afterAll(async () => {
  await collector.close()
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  collector.posts.length = 0
  collector.setMode('ok')
  await collector.up()
})

/** Timers that fire on the next turn instead of after `ms`, recording the requested delays. */
function instantTimers(): { timers: DeliveryTimers; delays: number[] } {
  const delays: number[] = []
  return {
    delays,
    timers: {
      setTimeout: (cb, ms) => {
        delays.push(ms)
        return setImmediate(cb)
      },
      clearTimeout: (h) => clearImmediate(h as NodeJS.Immediate),
    },
  }
}

function setup(overrides: Partial<HttpsDeliveryOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-delivery-'))
  const outbox = new JsonlOutbox({ dir, maxSegmentBytes: 16 * 1024 })
  const { timers, delays } = instantTimers()
  const delivery = new HttpsDelivery({
    outbox,
    endpoint: collector.url,
    ca: pki.caCert,
    timers,
    random: () => 0.5,
    retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 },
    ...overrides,
  })
  cleanups.push(
    () => delivery.stop(),
    () => rmSync(dir, { recursive: true, force: true }),
  )
  return { dir, outbox, delivery, delays }
}

function deliveryEvents(): DeliveryEvent[] {
  const seen: DeliveryEvent[] = []
  const fn = (m: unknown): void => void seen.push(m as DeliveryEvent)
  diagnostics_channel.subscribe(DELIVERY_CHANNEL, fn)
  cleanups.push(() => diagnostics_channel.unsubscribe(DELIVERY_CHANNEL, fn))
  return seen
}

/** 30 reports: three failures, each repeated ten times by an app retrying every 30 s. */
function retryStorm(outbox: JsonlOutbox): string[] {
  const ids: string[] = []
  for (let i = 0; i < 10; i++) {
    const at = new Date(Date.UTC(2026, 2, 1, 9, 0, 30 * i)).toISOString()
    for (const [host, code] of [
      ['imap.example.net', 'tls_version_below_floor'],
      ['smtp.example.net', 'certificate_expired'],
      ['pop.example.net', 'starttls_not_offered'],
    ] as const) {
      const r = sampleReport({ at, host, codes: [code] })
      outbox.write(r)
      ids.push(r.reportId)
    }
  }
  return ids
}

describe('HttpsDelivery', () => {
  it('delivers every report exactly once, aggregated by dedupKey, in schema-valid batches', async () => {
    const { outbox, delivery } = setup()
    const ids = retryStorm(outbox)
    const result = await delivery.flush()
    expect(result).toMatchObject({ delivered: 30, entries: 3, batches: 1 })
    expect(collector.posts).toHaveLength(1)
    const post = collector.posts[0]
    const body = DeliveryBatchSchema.parse(post?.json)
    expect(post?.headers['idempotency-key']).toBe(body.batchId)
    expect(post?.headers['content-type']).toBe('application/json')
    expect(body.reports.map((e) => e.count)).toEqual([10, 10, 10])
    const imap = body.reports.find((e) => e.report.endpoint.host === 'imap.example.net')
    expect(imap).toMatchObject({
      firstSeen: '2026-03-01T09:00:00.000Z',
      lastSeen: '2026-03-01T09:04:30.000Z',
    })
    expect(imap?.report.generatedAt).toBe(imap?.lastSeen)
    const received = receivedReportIds(collector.posts)
    expect([...received.keys()].sort()).toEqual([...ids].sort())
    expect([...received.values()].every((n) => n === 1)).toBe(true)
    // Nothing new: a second flush sends nothing.
    expect(await delivery.flush()).toEqual({ delivered: 0, entries: 0, batches: 0 })
    expect(collector.posts).toHaveLength(1)
    expect(delivery.backlog()).toBe(0)
  })

  it('keeps reports in the outbox while the collector is down and delivers them when it is back', async () => {
    const events = deliveryEvents()
    const { outbox, delivery, delays } = setup()
    const ids = retryStorm(outbox)
    await collector.down()
    const err = await delivery.flush().catch((e: unknown) => e)
    expect(isSdkError(err, ErrorCode.ReportDelivery)).toBe(true)
    expect(delivery.backlog()).toBe(30)
    // Three attempts, two exponential waits (random() = 0.5 → 75 % of the ceiling).
    expect(delays).toEqual([750, 1500])
    expect(
      events
        .filter((e) => e.type === 'attempt-failed')
        .map((e) => (e as { retryInMs: number | null }).retryInMs),
    ).toEqual([750, 1500, null])

    await collector.up()
    expect(await delivery.flush()).toMatchObject({ delivered: 30 })
    expect([...receivedReportIds(collector.posts).keys()].sort()).toEqual([...ids].sort())
    expect(delivery.backlog()).toBe(0)
  })

  it('retries a batch the collector answered 500 with the same Idempotency-Key', async () => {
    const { outbox, delivery } = setup()
    retryStorm(outbox)
    collector.setMode('ok', ['error', 'error'])
    expect(await delivery.flush()).toMatchObject({ delivered: 30, batches: 1 })
    expect(collector.posts.map((p) => p.status)).toEqual([500, 500, 200])
    expect(new Set(collector.posts.map((p) => p.headers['idempotency-key'])).size).toBe(1)
    expect([...receivedReportIds(collector.posts).values()].every((n) => n === 1)).toBe(true)
  })

  it('gives up on a hanging collector after the timeout and keeps the batch', async () => {
    const { outbox, delivery } = setup({
      timeoutMs: 150,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    })
    retryStorm(outbox)
    collector.setMode('hang')
    const err = await delivery.flush().catch((e: unknown) => e)
    expect(isSdkError(err, ErrorCode.ReportDelivery)).toBe(true)
    expect((err as Error).message).toMatch(/did not answer within 150 ms/)
    expect(delivery.backlog()).toBe(30)
  })

  it('does not send anything to a collector whose key is not the pinned SPKI, and keeps the reports', async () => {
    const events = deliveryEvents()
    const { outbox, delivery } = setup({ spkiPins: [pki.rekeyed.spki] })
    retryStorm(outbox)
    const bytesBefore = collector.applicationBytes()
    const err = await delivery.flush().catch((e: unknown) => e)
    expect(isSdkError(err, ErrorCode.ReportDelivery)).toBe(true)
    expect(collector.posts).toEqual([])
    expect(collector.applicationBytes()).toBe(bytesBefore) // not one byte of request line, headers or body
    const failed = events.find((e) => e.type === 'attempt-failed') as { error: { details?: unknown } }
    expect(failed.error.details).toMatchObject({ reason: 'spki_pin_mismatch', spki: pki.good.spki })
    expect(delivery.backlog()).toBe(30)

    const pinned = new HttpsDelivery({
      outbox,
      endpoint: collector.url,
      ca: pki.caCert,
      spkiPins: [pki.good.spki],
    })
    cleanups.push(() => pinned.stop())
    expect(await pinned.flush()).toMatchObject({ delivered: 30 })
  })

  it('does not send anything to a collector whose certificate chain is not trusted', async () => {
    const { outbox, delivery } = setup({ ca: pki.otherCaCert, retry: { attempts: 1 } })
    retryStorm(outbox)
    const bytesBefore = collector.applicationBytes()
    const err = await delivery.flush().catch((e: unknown) => e)
    expect(isSdkError(err, ErrorCode.ReportDelivery)).toBe(true)
    expect(collector.posts).toEqual([])
    expect(collector.applicationBytes()).toBe(bytesBefore)
    expect(delivery.backlog()).toBe(30)
  })

  it('re-sends an acknowledged batch after the cursor is lost, which the receiver deduplicates', async () => {
    const { dir, outbox, delivery } = setup()
    retryStorm(outbox)
    await delivery.flush()
    rmSync(join(dir, 'delivery-cursor.json'))
    await delivery.flush()
    expect(collector.posts).toHaveLength(2)
    expect(collector.posts[1]?.headers['idempotency-key']).toBe(
      collector.posts[0]?.headers['idempotency-key'],
    )
    expect([...receivedReportIds(collector.posts).values()].every((n) => n === 1)).toBe(true)
  })

  it('streams a large backlog in bounded batches and picks up a late append to an older segment', async () => {
    const { outbox, delivery } = setup({ maxBatchReports: 7 })
    for (let i = 0; i < 40; i++) outbox.write(sampleReport({ id: `rep_stream_${i}`, account: `acct_${i}` }))
    expect(outbox.segments().length).toBeGreaterThan(2)
    expect(await delivery.flush()).toMatchObject({ delivered: 40, batches: 6 })
    for (const post of collector.posts)
      expect(DeliveryBatchSchema.parse(post.json).reports.length).toBeLessThanOrEqual(7)
    // A process that had not noticed the rotation appends to the first segment.
    appendFileSync(
      outbox.segmentPath(outbox.segments()[0] ?? 0),
      encodeFrame(sampleReport({ id: 'rep_late_writer' })),
    )
    expect(await delivery.flush()).toMatchObject({ delivered: 1 })
    expect(receivedReportIds(collector.posts).get('rep_late_writer')).toBe(1)
  })

  it('halves the batch when the collector answers 413', async () => {
    const { outbox, delivery } = setup()
    for (let i = 0; i < 8; i++) outbox.write(sampleReport({ account: `acct_${i}` }))
    collector.setMode('ok', ['too-large'])
    expect(await delivery.flush()).toMatchObject({ delivered: 8, batches: 2 })
    expect(collector.posts.map((p) => p.status)).toEqual([413, 200, 200])
  })

  it('delivers in the background after start() and stops cleanly', async () => {
    const { outbox, delivery } = setup({ timers: undefined, intervalMs: 20 })
    const events = deliveryEvents()
    delivery.start()
    outbox.write(sampleReport({ id: 'rep_background' }))
    await expect.poll(() => events.some((e) => e.type === 'delivered'), { timeout: 5000 }).toBe(true)
    await delivery.stop()
    expect(receivedReportIds(collector.posts).get('rep_background')).toBe(1)
  })

  it('validates its options eagerly', () => {
    const outbox = new JsonlOutbox({ dir: mkdtempSync(join(tmpdir(), 'mua-sts-delivery-')) })
    for (const endpoint of ['http://127.0.0.1/reports', 'https://user:pw@127.0.0.1/reports', 'not a url']) {
      expect(() => new HttpsDelivery({ outbox, endpoint })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidOption }),
      )
    }
    expect(
      () => new HttpsDelivery({ outbox, endpoint: collector.url, headers: { 'Idempotency-Key': 'x' } }),
    ).toThrow(/HttpsDelivery options\.headers/)
    expect(() => new HttpsDelivery({ outbox, endpoint: collector.url, spkiPins: ['nope'] })).toThrow(
      /spkiPins/,
    )
  })
})
