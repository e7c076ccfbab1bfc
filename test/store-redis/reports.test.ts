// Reports for fleets (issue #18 item 2): every worker's dispatcher appends to one capped stream, and
// delivery workers read it with a consumer group. A worker killed between delivering a batch and
// acknowledging it loses nothing: another worker claims the batch. Every report arrives at least once,
// and duplicates are removed by report id. The TLSRPT aggregate is built from the same stream.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, isSdkError, type Report } from '@mua-sts/core'
import { ReportDispatcher, TlsrptReportSchema } from '@mua-sts/reports'
import { RedisReportStream, RedisReportWorker, reportKeys } from '@mua-sts/store-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleReport } from '../reports/sample-reports.js'
import { spawnTsx, tempDir, watch } from '../store/helpers.js'
import { rawClient } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

const WORKER = join(import.meta.dirname, 'fixtures', 'report-worker.ts')

describe.skipIf(!needRedis())('the fleet report stream', () => {
  let redis: RedisInstance
  const tmp = tempDir('redis-reports')
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
    tmp.remove()
  })
  const connection = () => ({ host: '127.0.0.1', port: redis.port })
  const drain = async (worker: RedisReportWorker) => {
    const totals = { claimed: 0, delivered: 0, duplicates: 0, rejected: 0 }
    for (let idle = 0; idle < 3; ) {
      const r = await worker.runOnce()
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k]
      idle = r.claimed + r.delivered + r.duplicates + r.rejected === 0 ? idle + 1 : 0
    }
    return totals
  }

  it('delivers every report at least once when a worker is SIGKILLed mid-batch; duplicates go by id', async () => {
    const prefix = 'crashy'
    const stream = new RedisReportStream({ connection: connection(), prefix })
    const reports = Array.from({ length: 120 }, (_, i) =>
      sampleReport({ id: `rep-crash-${String(i).padStart(4, '0')}` }),
    )
    const dispatcher = new ReportDispatcher([stream])
    for (const r of reports) dispatcher.dispatch(r)
    dispatcher.dispatch(reports[7] as Report) // a sink retry: the same report twice in the stream
    await stream.whenIdle()

    const receiver = join(tmp.dir, 'received.txt')
    writeFileSync(receiver, '')
    const child = spawnTsx(WORKER, [String(redis.port), prefix, 'worker-a', receiver, '60000'])
    const a = watch(child)
    await a.waitFor('DELIVERED 50') // delivered, not yet acknowledged
    child.kill('SIGKILL')
    await a.exited

    const b = new RedisReportWorker({
      connection: connection(),
      prefix,
      consumer: 'worker-b',
      claimIdleMs: 100,
      blockMs: 50,
      deliver: async (batch) =>
        writeFileSync(receiver, batch.map((r) => `${r.reportId}\n`).join(''), { flag: 'a' }),
    })
    await new Promise((r) => setTimeout(r, 150)) // worker-a's batch is now idle long enough to claim
    const totals = await drain(b)
    expect(totals.claimed).toBe(50)
    expect(totals.duplicates).toBe(1)

    const lines = readFileSync(receiver, 'utf8').trim().split('\n')
    expect(new Set(lines)).toEqual(new Set(reports.map((r) => r.reportId))) // at least once, deduped by id
    expect(lines.length).toBeGreaterThan(reports.length) // worker-a's batch arrived twice
    const raw = rawClient(redis.port)
    const pending = (await raw.xpending(reportKeys(prefix).stream, 'mua-sts-delivery')) as [number]
    expect(pending[0]).toBe(0)
    raw.disconnect()
    await b.close()
    await stream.close()
  }, 60_000)

  it('moves entries that are no valid report to a dead-letter stream, and keeps a failed batch pending', async () => {
    const prefix = 'strict'
    const keys = reportKeys(prefix)
    const raw = rawClient(redis.port)
    await raw.xadd(keys.stream, '*', 'report', '{"schemaVersion":1,"evil":true}')
    await raw.xadd(keys.stream, '*', 'report', 'not json')
    const stream = new RedisReportStream({ connection: connection(), prefix })
    await stream.write(sampleReport({ id: 'rep-strict-0001' }))
    let fail = true
    const got: string[] = []
    const worker = new RedisReportWorker({
      connection: connection(),
      prefix,
      consumer: 'w1',
      claimIdleMs: 0,
      blockMs: 0,
      deliver: async (batch) => {
        if (fail) throw new Error('receiver down')
        got.push(...batch.map((r) => r.reportId))
      },
    })
    const error = await worker.runOnce().catch((e: unknown) => e)
    expect(isSdkError(error, ErrorCode.ReportDelivery)).toBe(true)
    fail = false
    const totals = await drain(worker)
    expect(got).toEqual(['rep-strict-0001'])
    expect(totals.rejected).toBe(2)
    const dead = await raw.xrange(keys.dead, '-', '+')
    expect(dead.map(([, f]) => f[3])).toEqual(['fails the report schema', 'not JSON'])
    raw.disconnect()
    await worker.close()
    await stream.close()
  })

  it('caps the stream and exports an RFC 8460 aggregate from it, each report id counted once', async () => {
    const stream = new RedisReportStream({ connection: connection(), prefix: 'capped', maxLen: 100 })
    const at = (i: number) => `2026-03-01T${String(1 + (i % 20)).padStart(2, '0')}:00:00.000Z`
    const reports = Array.from({ length: 400 }, (_, i) => sampleReport({ id: `rep-cap-${i}-xx`, at: at(i) }))
    await Promise.all(reports.map((r) => stream.write(r)))
    await stream.write(reports[399] as Report)
    const { reports: kept, invalid } = await stream.read()
    expect(invalid).toBe(0)
    expect(kept.length).toBeGreaterThanOrEqual(100)
    expect(kept.length).toBeLessThan(300)
    const doc = await stream.exportAggregate({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    })
    expect(TlsrptReportSchema.parse(doc)).toEqual(doc)
    const failures = doc.policies.reduce((s, p) => s + p.summary['total-failure-session-count'], 0)
    expect(failures).toBe(new Set(kept.map((r) => r.reportId)).size)
    await stream.close()
  })
})
