// Fleet concurrency (issue #18): 8 worker processes × 1,000 strengthen operations on shared accounts
// through the Redis store must lose no property, and workers killed with SIGKILL mid-operation must
// leave no corrupt record. The join runs in each worker (core joinOnto); only the Lua compare-and-set
// is atomic in Redis, so a lost update would show up as a missing latch or a wrong version count.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { accountKeys } from '@mua-sts/store-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnTsx, tempDir, watch } from '../store/helpers.js'
import { KEY, openStore, rawClient } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

const WORKER = join(import.meta.dirname, 'fixtures', 'strengthen-worker.ts')
const WORKERS = 8
const OPS = 1000
// 125 accounts × 8 rounds: every worker adds 8 distinct latches to every account, 64 per account in
// all (the schema's bound), so each of the 8,000 operations must write exactly once.
const ACCOUNTS = 125

describe.skipIf(!needRedis())('RedisCommitmentStore across worker processes', () => {
  let redis: RedisInstance
  const tmp = tempDir('redis-concurrency')
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
    tmp.remove()
  })

  it(`loses no latch when ${WORKERS} processes × ${OPS} strengthen ${ACCOUNTS} shared accounts`, async () => {
    const go = join(tmp.dir, 'go')
    const env = { ...process.env, MUASTS_TEST_GO: go }
    const args = (w: number) => [
      String(redis.port),
      'conc',
      KEY.toString('hex'),
      String(w),
      String(OPS),
      String(ACCOUNTS),
    ]
    const workers = Array.from({ length: WORKERS }, (_, w) => watch(spawnTsx(WORKER, args(w), env)))
    await Promise.all(workers.map((c) => c.waitFor('READY')))
    writeFileSync(go, '')
    const exits = await Promise.all(workers.map((c) => c.exited))
    expect(
      exits.map((e) => e.code),
      workers.map((c) => c.stderr()).join('\n'),
    ).toEqual(Array(WORKERS).fill(0))
    const acked = workers.flatMap((c) => c.lines.filter((l) => l.startsWith('ACK ')))
    expect(acked).toHaveLength(WORKERS * OPS)

    const store = await openStore(redis.port, { prefix: 'conc' })
    const all = await store.list()
    expect(all).toHaveLength(ACCOUNTS)
    const lost = acked.filter((l) => {
      const [, account, latch] = l.split(' ')
      return !all.find((c) => c.account === account)?.latches.includes(latch as string)
    })
    expect(lost).toEqual([])
    for (const c of all) expect(c.latches).toHaveLength(WORKERS * 8)
    // Every operation wrote exactly once: each account's version is its number of operations.
    const raw = rawClient(redis.port)
    const value = (await raw.get(accountKeys('conc', 'acct_0').record)) as string
    expect(JSON.parse(value.slice(value.indexOf('{'))).seq).toBe(WORKERS * 8)
    raw.disconnect()
    const stats = workers.map((c) =>
      c.lines
        .find((l) => l.startsWith('STATS '))
        ?.split(' ')
        .map(Number),
    )
    const attempts = stats.reduce((s, x) => s + (x?.[1] ?? 0), 0)
    const conflicts = stats.reduce((s, x) => s + (x?.[2] ?? 0), 0)
    expect(attempts - conflicts).toBe(WORKERS * OPS)
    await store.close()
  }, 120_000)

  it('leaves no corrupt record and loses no acknowledged latch when workers are SIGKILLed mid-write', async () => {
    const spawnWorker = (w: number) => {
      const child = spawnTsx(WORKER, [
        String(redis.port),
        'killed',
        KEY.toString('hex'),
        String(w),
        '-1',
        '10',
      ])
      return { child, ...watch(child) }
    }
    const workers = Array.from({ length: 4 }, (_, w) => spawnWorker(w))
    await Promise.all(workers.map((c) => c.waitFor('READY')))
    // Kill each worker at a different moment while all of them are writing.
    for (const [i, c] of workers.entries()) {
      await sleep(200 + 37 * i)
      expect(
        c.lines.some((l) => l.startsWith('ACK ')),
        c.stderr(),
      ).toBe(true)
      c.child.kill('SIGKILL')
    }
    const exits = await Promise.all(workers.map((c) => c.exited))
    expect(exits.every((e) => e.signal === 'SIGKILL')).toBe(true)

    const store = await openStore(redis.port, { prefix: 'killed' })
    const all = await store.list() // verifies every record: throws MUASTS_ERR_STORE_CORRUPT on any
    expect(all).toHaveLength(10)
    const acked = workers.flatMap((c) => c.lines.filter((l) => l.startsWith('ACK ')))
    for (const l of acked) {
      const [, account, latch] = l.split(' ')
      expect(all.find((c) => c.account === account)?.latches).toContain(latch)
    }
    await store.close()
  }, 60_000)
})
