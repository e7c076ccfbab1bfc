// Redis store benchmarks (issue #18), against a redis-server on loopback that this file starts and
// stops: a warm lookup (one GET + MAC check; target p50 ≤ 1 ms), a strengthen that writes (GET, join,
// Lua compare-and-set; target p50 ≤ 5 ms), 8 worker processes × 1,000 strengthen operations on 100
// shared accounts (throughput and retry rate), and a guarded IMAP connect with the Redis store against
// the memory store (interleaved, target median ratio ≤ 1.05). Targets are judged on the bootstrap CI's
// upper bound. Without redis-server the file reports one row saying so.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Commitment, createCommitment } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { RedisCommitmentStore } from '@mua-sts/store-redis'
import { FAKE_PASS, FAKE_USER, generatePki, startFakeImap } from '@mua-sts/testing'
import { spawnTsx, tempDir, watch } from '../../test/store/helpers.js'
import { redisAvailable, startRedis } from '../../test/store-redis/redis-server.js'
import { abRows } from '../_util/ab.js'
import { type Summary, summarize } from '../_util/stats.js'
import type { BenchRow } from '../_util/types.js'

const N = 1000
const WORKER = join(
  import.meta.dirname,
  '..',
  '..',
  'test',
  'store-redis',
  'fixtures',
  'strengthen-worker.ts',
)

const commitment = (account: string, latches: string[] = [], port = 993): Commitment => ({
  ...createCommitment({
    ...{ account, service: 'imap', host: '127.0.0.1', port, transport: 'implicit-tls' },
    ...{ source: 'setup', now: '2026-01-01T00:00:00.000Z' },
  }),
  latches,
})

function row(name: string, s: Summary, unit: string, target?: number): BenchRow {
  const stats = { n: s.n, q1: s.q1, q3: s.q3, ciLow: s.ciLow, ciHigh: s.ciHigh }
  if (target === undefined) return { name, value: s.median, unit, stats }
  return { name, value: s.median, unit, stats, target: `≤ ${target}`, pass: s.ciHigh <= target }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** Warm get and writing strengthen, in-process. */
async function latency(port: number): Promise<BenchRow[]> {
  const store = await RedisCommitmentStore.open({
    connection: { host: '127.0.0.1', port },
    hmacKey: randomBytes(32),
    prefix: 'bench-lat',
  })
  await store.strengthen(commitment('acct_warm', ['tls12']))
  for (let i = 0; i < 100; i++) await store.get('acct_warm', 'imap')
  const gets: number[] = []
  for (let i = 0; i < N; i++) gets.push(await timed(() => store.get('acct_warm', 'imap')))
  // Every strengthen adds a new latch (a real write): 50 accounts × 20 latches.
  const writes: number[] = []
  for (let i = 0; i < N; i++)
    writes.push(await timed(() => store.strengthen(commitment(`acct_${i % 50}`, [`l${Math.floor(i / 50)}`]))))
  await store.close()
  return [
    row('redis store: warm get p50', summarize(gets), 'ms', 1),
    row('redis store: strengthen (writes) p50', summarize(writes), 'ms', 5),
    row('redis store: strengthen (writes) p99', summarize(writes, 99), 'ms'),
  ]
}

/** 8 worker processes × 1,000 strengthen on 100 shared accounts (80% of them add a new latch). */
async function fleet(port: number): Promise<BenchRow[]> {
  const tmp = tempDir('redis-bench')
  try {
    const go = join(tmp.dir, 'go')
    const key = randomBytes(32).toString('hex')
    const env = { ...process.env, MUASTS_TEST_GO: go }
    const workers = Array.from({ length: 8 }, (_, w) =>
      watch(spawnTsx(WORKER, [String(port), 'bench-fleet', key, String(w), String(N), '100'], env)),
    )
    await Promise.all(workers.map((c) => c.waitFor('READY')))
    writeFileSync(go, '')
    await Promise.all(workers.map((c) => c.exited))
    const stats = workers.map((c) =>
      (c.lines.find((l) => l.startsWith('STATS ')) ?? '').split(' ').map(Number),
    )
    const attempts = stats.reduce((s, x) => s + (x[1] ?? 0), 0)
    const conflicts = stats.reduce((s, x) => s + (x[2] ?? 0), 0)
    const wall = Math.max(...stats.map((x) => x[3] ?? Number.NaN))
    return [
      {
        name: 'redis store: 8 workers × 1,000 strengthen, 100 accounts',
        value: (8 * N * 1000) / wall,
        unit: 'ops/s',
        note: `slowest worker ${wall} ms`,
      },
      {
        name: 'redis store: CAS retry rate (lost races / write attempts)',
        value: conflicts / attempts,
        unit: 'ratio',
        note: `${conflicts} of ${attempts}`,
      },
    ]
  } finally {
    tmp.remove()
  }
}

/** Guarded IMAP connect+login+logout with the Redis store (A) vs the memory store (B). */
async function connectRatio(port: number): Promise<BenchRow[]> {
  const pki = await generatePki()
  const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  const redis = await RedisCommitmentStore.open({
    connection: { host: '127.0.0.1', port },
    hmacKey: randomBytes(32),
    prefix: 'bench-connect',
  })
  const memory = new MemoryCommitmentStore()
  const c = commitment('acct_bench', [], server.port)
  await redis.strengthen(c)
  await memory.strengthen(c)
  const connect = (store: RedisCommitmentStore | MemoryCommitmentStore) => async () => {
    const client = await connectImap({
      account: 'acct_bench',
      store,
      trust: { ca: pki.caCert },
      auth: { user: FAKE_USER, pass: FAKE_PASS },
    })
    await client.logout()
  }
  try {
    return await abRows({
      label: 'imap connect+login+logout (implicit-tls, fake server)',
      aName: 'redis store',
      bName: 'memory store',
      a: connect(redis),
      b: connect(memory),
      target: 1.05,
    })
  } finally {
    await redis.close()
    await server.close()
  }
}

export default async function run(): Promise<BenchRow[]> {
  if (!redisAvailable())
    return [{ name: 'redis store', value: Number.NaN, unit: '', note: 'skipped: redis-server not installed' }]
  const redis = await startRedis()
  try {
    return [...(await latency(redis.port)), ...(await fleet(redis.port)), ...(await connectRatio(redis.port))]
  } finally {
    await redis.stop()
  }
}
