// evaluate()/merge() and the two hottest parsers, ops/s (median of 7 runs). Target: evaluate ≥ 1,000,000/s.
import { evaluate, merge, parseClient04, parseDeepStatus, strengthen } from '@mua-sts/core'
import { goodObservation, SAMPLE_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { opsPerSecond } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'

export default async function run(): Promise<BenchRow[]> {
  // Realistic: pinned, latched, with a -05 directive and post-TLS capabilities.
  const c = sampleCommitment({
    pins: { spki: [SAMPLE_SPKI], backup: [] },
    directives: { tlsVersion: '1.2', tlsCert: 'pkix' },
  })
  const o = goodObservation({
    advertisement: { deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.net/x' } },
  })
  const other = sampleCommitment({ latches: ['tls11', 'tls-cert'], directives: { tlsVersion: '1.3' } })
  const rows: BenchRow[] = []
  const ev = opsPerSecond(() => evaluate(c, o), 500_000)
  rows.push({
    name: 'core evaluate() (compliant)',
    value: ev,
    unit: 'ops/s',
    target: '≥ 1,000,000',
    pass: ev >= 1_000_000,
  })
  const bad = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
  rows.push({
    name: 'core evaluate() (violated)',
    value: opsPerSecond(() => evaluate(c, bad), 500_000),
    unit: 'ops/s',
  })
  rows.push({ name: 'core merge()', value: opsPerSecond(() => merge(c, other), 200_000), unit: 'ops/s' })
  rows.push({
    name: 'core strengthen()',
    value: opsPerSecond(() => strengthen(c, o, '2026-01-01T00:00:00.000Z'), 100_000),
    unit: 'ops/s',
  })
  const status = 'tls12 tls-cert <https://status.example.net/mail-tls>'
  rows.push({
    name: 'parseDeepStatus()',
    value: opsPerSecond(() => parseDeepStatus(status), 500_000),
    unit: 'ops/s',
  })
  const line =
    'CLIENT name=mua-sts version=0.1.0 latch=tls-cert,tls12 latch-fail=spki-pin security-tags=tls11'
  rows.push({
    name: 'parseClient04()',
    value: opsPerSecond(() => parseClient04(line), 500_000),
    unit: 'ops/s',
  })
  return rows
}
