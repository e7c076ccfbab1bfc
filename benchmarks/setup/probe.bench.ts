// Discovery + probe of 12 candidates (IMAP, POP3, submission × implicit TLS / STARTTLS × 2), each
// behind its own latency proxy adding 50 ms per direction per chunk (100 ms per round trip), against
// the shared fake servers with real TLS. Issue #17: the parallel prober runs at the SDK's defaults
// (no concurrency option; with early stop off, so it cannot mask a second wave, and on), and at the
// bench's old settings (concurrency 12, early stop off). Each round also probes the slowest candidate
// alone (found in one sequential run); the target is parallel wall time ≤ 1.5 × that single probe,
// judged on the bootstrap CI's upper bound of the per-round ratio. ROUNDS rounds in rotating order.
import type { LookupFunction } from 'node:net'
import {
  type Candidate,
  type Discovery,
  type DiscoveryResolver,
  discover,
  type ProbeEvent,
  probe,
  type SrvRecord,
} from '@mua-sts/setup'
import { FakeSmtpServer, startFakeImap } from '@mua-sts/testing'
import { startFakePop3 } from '../../test/fakes/pop3-server.js'
import { testPki } from '../../test/support/certs.js'
import { timeMs } from '../_util/measure.js'
import { ratioSummary, summarize } from '../_util/stats.js'
import type { BenchRow } from '../_util/types.js'
import { type LatencyProxy, startLatencyProxy } from './latency-proxy.js'

const DELAY_MS = 50
const ROUNDS = 40
const HOST = 'mail.example.test'

const loopback: LookupFunction = (_host, options, callback) => {
  if (typeof options === 'object' && (options as { all?: boolean }).all === true) {
    ;(callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ])
  } else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4)
}

type Backends = { ports: Record<string, number[]>; close(): Promise<void> }

async function startBackends(): Promise<Backends> {
  const pki = testPki()
  const leaf = pki.good
  const deep = { id: { name: 'bench', deep: 'tls12 tls-cert' } }
  const imap = await Promise.all([
    startFakeImap({ mode: 'implicit', leaf, ...deep }),
    startFakeImap({ mode: 'implicit', leaf, ...deep }),
    startFakeImap({ mode: 'starttls', leaf, ...deep }),
    startFakeImap({ mode: 'starttls', leaf, ...deep }),
  ])
  const pop3 = await Promise.all([
    startFakePop3({ mode: 'implicit', leaf }),
    startFakePop3({ mode: 'implicit', leaf }),
    startFakePop3({ mode: 'starttls', leaf }),
    startFakePop3({ mode: 'starttls', leaf }),
  ])
  const smtp = await Promise.all([
    FakeSmtpServer.start({ mode: 'implicit-tls', leaf, ehloAfterTls: ['DEEP tls12 tls-cert'] }),
    FakeSmtpServer.start({ mode: 'implicit-tls', leaf, ehloAfterTls: ['DEEP tls12 tls-cert'] }),
    FakeSmtpServer.start({ mode: 'starttls', leaf }),
    FakeSmtpServer.start({ mode: 'starttls', leaf }),
  ])
  const proxies: LatencyProxy[] = []
  const via = async (port: number): Promise<number> => {
    const p = await startLatencyProxy(port, DELAY_MS)
    proxies.push(p)
    return p.port
  }
  const labels: Array<[string, number[]]> = [
    ['_imaps._tcp', [imap[0].port, imap[1].port]],
    ['_imap._tcp', [imap[2].port, imap[3].port]],
    ['_pop3s._tcp', [pop3[0].port, pop3[1].port]],
    ['_pop3._tcp', [pop3[2].port, pop3[3].port]],
    ['_submissions._tcp', [smtp[0].port, smtp[1].port]],
    ['_submission._tcp', [smtp[2].port, smtp[3].port]],
  ]
  const ports: Record<string, number[]> = {}
  for (const [label, backends] of labels) ports[label] = await Promise.all(backends.map(via))
  return {
    ports,
    close: async () => {
      for (const p of proxies) await p.close()
      for (const s of [...imap, ...pop3, ...smtp]) await s.close()
    },
  }
}

function resolverFor(ports: Record<string, number[]>): DiscoveryResolver {
  return {
    resolveSrv: async (name: string): Promise<SrvRecord[]> => {
      const label = name.replace(/\.example\.test\.?$/, '')
      const list = ports[label]
      if (list === undefined) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
      return list.map((port, i) => ({ name: HOST, port, priority: i, weight: 1 }))
    },
    resolveMx: async (name: string) => {
      throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
    },
  }
}

export default async function run(): Promise<BenchRow[]> {
  const pki = testPki()
  const backends = await startBackends()
  try {
    const discoverOnce = (): Promise<Discovery> =>
      discover('alice@example.test', {
        resolver: resolverFor(backends.ports),
        fetch: async () => ({ status: 404, body: '', validatedHttps: true }),
        sources: { guess: false, mx: false },
      })
    const candidates: Candidate[] = (await discoverOnce()).candidates
    if (candidates.length !== 12)
      throw new Error(`expected 12 candidates, discovery found ${candidates.length}`)
    // Only what a test harness must set: trust, the loopback lookup and a generous deadline. No
    // concurrency and no earlyStop here, so `atDefaults` runs with the SDK's defaults.
    const base = { trust: { ca: pki.caCert }, lookup: loopback, timeoutMs: 30_000 }
    const check = (results: Awaited<ReturnType<typeof probe>>): void => {
      const bad = results.filter((r) => r.status !== 'compliant')
      if (bad.length > 0)
        throw new Error(`probe not compliant: ${bad.map((r) => r.failure?.code).join(', ')}`)
    }
    // One sequential run: every probe runs alone, so its own start→done time is a single probe. The
    // slowest candidate is then probed alone in every round, as the baseline of the ratios.
    const startedAt = new Map<number, number>()
    const singles = new Map<number, number>()
    const onProgress = (e: ProbeEvent): void => {
      if (e.type === 'started') startedAt.set(e.index, performance.now())
      if (e.type === 'done') singles.set(e.index, performance.now() - (startedAt.get(e.index) ?? 0))
    }
    const sequential = await timeMs(async () =>
      check(await probe(candidates, { ...base, earlyStop: false, concurrency: 1, onProgress })),
    )
    const slowestIndex = [...singles.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0
    const slowest = [candidates[slowestIndex] as Candidate]
    const arms = {
      single: () => probe(slowest, base),
      defaultsNoEarlyStop: () => probe(candidates, { ...base, earlyStop: false }),
      defaults: () => probe(candidates, base),
      benchSettings: () => probe(candidates, { ...base, earlyStop: false, concurrency: 12 }),
    }
    const samples = {
      single: [] as number[],
      defaultsNoEarlyStop: [] as number[],
      defaults: [] as number[],
      benchSettings: [] as number[],
    }
    const endToEnd: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order, so no arm always runs first (or right after another).
      const order = (Object.keys(arms) as Array<keyof typeof arms>).map(
        (_, k, all) => all[(k + round) % all.length] as keyof typeof arms,
      )
      for (const arm of order) {
        samples[arm].push(
          await timeMs(async () => {
            const results = await arms[arm]()
            if (arm !== 'defaults') check(results) // early stop leaves some probes 'skipped'
          }),
        )
      }
      if (round < 5)
        endToEnd.push(
          await timeMs(async () =>
            check(await probe((await discoverOnce()).candidates, { ...base, earlyStop: false })),
          ),
        )
    }
    const single = summarize(samples.single)
    const ratioRow = (name: string, xs: number[]): BenchRow => {
      const r = ratioSummary(xs, samples.single)
      const stats = { n: r.n, q1: r.q1, q3: r.q3, ciLow: r.ciLow, ciHigh: r.ciHigh }
      return {
        name,
        value: r.median,
        unit: 'ratio',
        stats,
        target: '≤ 1.5 (CI upper bound)',
        pass: r.ciHigh <= 1.5,
      }
    }
    const ms = (name: string, xs: number[], note?: string): BenchRow => {
      const t = summarize(xs)
      const stats = { n: t.n, q1: t.q1, q3: t.q3, ciLow: t.ciLow, ciHigh: t.ciHigh }
      return { name, value: t.median, unit: 'ms', stats, ...(note === undefined ? {} : { note }) }
    }
    return [
      ms('setup probe: slowest single probe (100 ms RTT)', samples.single, `candidate ${slowestIndex}`),
      { name: 'setup probe: 12 candidates sequential', value: sequential, unit: 'ms', note: 'n=1' },
      ms('setup probe: 12 candidates, SDK defaults, early stop off', samples.defaultsNoEarlyStop),
      ms('setup probe: 12 candidates, SDK defaults (early stop on)', samples.defaults),
      ms(
        'setup probe: 12 candidates, concurrency 12, early stop off (bench settings)',
        samples.benchSettings,
      ),
      ms('setup probe: discovery + probe at SDK defaults, early stop off', endToEnd),
      ratioRow('setup probe: SDK defaults, early stop off / slowest single', samples.defaultsNoEarlyStop),
      ratioRow('setup probe: SDK defaults / slowest single', samples.defaults),
      ratioRow('setup probe: bench settings / slowest single', samples.benchSettings),
      {
        name: 'setup probe: slowest single (median)',
        value: single.median,
        unit: 'ms',
        note: 'baseline of the ratios',
      },
    ]
  } finally {
    await backends.close()
  }
}
