// Reports on the failure path and after it. Targets (issue #7): verdict → event-sink callback ≤ 1 ms and
// verdict → fsynced outbox record ≤ 10 ms (median and p99 reported; the target applies to the median,
// p99 is shown to expose fsync tails of the disk under test). Plus outbox append throughput (one fsync
// per record, by design) and delivery throughput to a local HTTPS collector with real TLS.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hrtime } from 'node:process'
import { buildReport, evaluate, type Report } from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { callbackSink, HttpsDelivery, JsonlOutbox, ReportDispatcher } from '@mua-sts/reports'
import { testPki } from '../../test/support/certs.js'
import { startCollector } from '../../test/support/collector.js'
import { consume, median, percentile } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'

const c = sampleCommitment()
const bad = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
let seq = 0

/** What a guard does on the failure path: evaluate, build the report, dispatch it. */
function reportFromVerdict(account: string): Report {
  const verdict = evaluate(c, bad)
  if (verdict.outcome !== 'violated') throw new Error('the bench observation must violate the commitment')
  seq++
  return buildReport({
    reportId: `bench-${process.pid}-${seq}`,
    now: new Date().toISOString(),
    account,
    service: 'imap',
    endpoint: c.endpoint,
    violations: verdict.violations,
    action: 'blocked_before_auth',
    commitment: c,
    observation: bad,
    sdk: { package: '@mua-sts/bench', version: '0.1.0' },
  })
}

function latencyRows(dir: string): BenchRow[] {
  const outbox = new JsonlOutbox({ dir: join(dir, 'latency') })
  let tEvent = 0n
  let tDurable = 0n
  // The event sink first (the UI hears at once), then the outbox; both run before dispatch() returns.
  const dispatcher = new ReportDispatcher([
    callbackSink((e) => {
      tEvent = hrtime.bigint()
      consume(e)
    }),
    {
      name: 'timed-outbox',
      write: (r) => {
        outbox.write(r)
        tDurable = hrtime.bigint()
      },
    },
  ])
  const event: number[] = []
  const durable: number[] = []
  for (let i = 0; i < 330; i++) {
    const t0 = hrtime.bigint()
    dispatcher.dispatch(reportFromVerdict('acct_bench'))
    if (i < 30) continue // warm-up
    event.push(Number(tEvent - t0) / 1e6)
    durable.push(Number(tDurable - t0) / 1e6)
  }
  const eventMedian = median(event)
  const durableMedian = median(durable)
  return [
    {
      name: 'verdict → event sink callback (median)',
      value: eventMedian,
      unit: 'ms',
      target: '≤ 1',
      pass: eventMedian <= 1,
    },
    { name: 'verdict → event sink callback (p99)', value: percentile(event, 99), unit: 'ms' },
    {
      name: 'verdict → fsynced outbox record (median)',
      value: durableMedian,
      unit: 'ms',
      target: '≤ 10',
      pass: durableMedian <= 10,
    },
    { name: 'verdict → fsynced outbox record (p99)', value: percentile(durable, 99), unit: 'ms' },
  ]
}

async function throughputRows(dir: string): Promise<BenchRow[]> {
  const outbox = new JsonlOutbox({
    dir: join(dir, 'throughput'),
    maxSegmentBytes: 1024 * 1024,
    maxSegments: 64,
  })
  const count = 2000
  // Distinct accounts → distinct dedup keys: delivery below cannot aggregate anything (worst case).
  const reports = Array.from({ length: count }, (_, i) => reportFromVerdict(`acct_${i}`))
  const t0 = hrtime.bigint()
  for (const r of reports) outbox.write(r)
  const appendSeconds = Number(hrtime.bigint() - t0) / 1e9

  const pki = testPki()
  const collector = await startCollector({ leaf: pki.good })
  const delivery = new HttpsDelivery({
    outbox,
    endpoint: collector.url,
    ca: pki.caCert,
    maxBatchReports: 500,
  })
  try {
    const t1 = hrtime.bigint()
    const result = await delivery.flush()
    const deliverSeconds = Number(hrtime.bigint() - t1) / 1e9
    if (result.delivered !== count) throw new Error(`delivered ${result.delivered} of ${count}`)
    const bytes = collector.posts.reduce((n, p) => n + p.raw.length, 0)
    return [
      { name: 'outbox append (fsync per record)', value: count / appendSeconds, unit: 'reports/s' },
      {
        name: 'delivery to local HTTPS collector (no aggregation)',
        value: count / deliverSeconds,
        unit: 'reports/s',
      },
      { name: 'delivery payload rate', value: bytes / deliverSeconds / 1e6, unit: 'MB/s' },
    ]
  } finally {
    await delivery.stop()
    await collector.close()
  }
}

export default async function run(): Promise<BenchRow[]> {
  // Point MUA_STS_BENCH_DIR at the disk the app will really use: fsync cost is a property of that disk.
  const { MUA_STS_BENCH_DIR } = process.env
  const dir = mkdtempSync(join(MUA_STS_BENCH_DIR ?? tmpdir(), 'mua-sts-reports-bench-'))
  try {
    return [...latencyRows(dir), ...(await throughputRows(dir))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
