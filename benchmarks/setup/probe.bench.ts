// Discovery + probe of 12 candidates (IMAP, POP3, submission × implicit TLS / STARTTLS × 2), each
// behind its own latency proxy adding 50 ms per direction per chunk (100 ms per round trip), against
// the shared fake servers with real TLS. The parallel prober (concurrency 12) and a sequential one
// (concurrency 1) do the same work (early stop off) and are timed interleaved in one run; the target
// is parallel wall time ≤ 1.5 × the slowest single probe. The slowest single probe is taken from the
// sequential run, where each probe runs alone. Medians over ROUNDS rounds (about 20 s in total).
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
import { median, timeMs } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'
import { type LatencyProxy, startLatencyProxy } from './latency-proxy.js'

const DELAY_MS = 50
const ROUNDS = 3
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
    const options = { trust: { ca: pki.caCert }, lookup: loopback, earlyStop: false, timeoutMs: 30_000 }
    const check = (results: Awaited<ReturnType<typeof probe>>): void => {
      const bad = results.filter((r) => r.status !== 'compliant')
      if (bad.length > 0)
        throw new Error(`probe not compliant: ${bad.map((r) => r.failure?.code).join(', ')}`)
    }
    const single: number[] = []
    const sequential: number[] = []
    const parallel: number[] = []
    const endToEnd: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // In the sequential run every probe runs alone, so its own start→done time is a single probe.
      const startedAt = new Map<number, number>()
      const singles: number[] = []
      const onProgress = (e: ProbeEvent): void => {
        if (e.type === 'started') startedAt.set(e.index, performance.now())
        if (e.type === 'done') singles.push(performance.now() - (startedAt.get(e.index) ?? 0))
      }
      sequential.push(
        await timeMs(async () => check(await probe(candidates, { ...options, concurrency: 1, onProgress }))),
      )
      single.push(Math.max(...singles))
      parallel.push(await timeMs(async () => check(await probe(candidates, { ...options, concurrency: 12 }))))
      endToEnd.push(
        await timeMs(async () =>
          check(await probe((await discoverOnce()).candidates, { ...options, concurrency: 12 })),
        ),
      )
    }
    const slowest = median(single)
    const par = median(parallel)
    const ratio = par / slowest
    return [
      { name: 'setup probe: slowest single probe (100 ms RTT)', value: slowest, unit: 'ms' },
      { name: 'setup probe: 12 candidates sequential', value: median(sequential), unit: 'ms' },
      { name: 'setup probe: 12 candidates parallel', value: par, unit: 'ms' },
      { name: 'setup probe: discovery + parallel probe', value: median(endToEnd), unit: 'ms' },
      { name: 'setup probe: sequential / parallel', value: median(sequential) / par, unit: 'ratio' },
      {
        name: 'setup probe: parallel / slowest single',
        value: ratio,
        unit: 'ratio',
        target: '≤ 1.5',
        pass: ratio <= 1.5,
      },
    ]
  } finally {
    await backends.close()
  }
}
