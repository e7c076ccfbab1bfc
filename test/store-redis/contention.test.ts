// Bounded retries (issue #18 item 1): when every compare-and-set attempt loses the race, strengthen
// fails with MUASTS_ERR_STORE_CONTENDED and writes nothing; a high-water hook that fails or answers
// nonsense fails the read closed instead of being ignored.
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitment, openStore } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

describe.skipIf(!needRedis())('RedisCommitmentStore under contention and hook failures', () => {
  let redis: RedisInstance
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => redis?.stop())

  it('gives up with MUASTS_ERR_STORE_CONTENDED after maxAttempts lost races, writing nothing', async () => {
    const store = await openStore(redis.port, { prefix: 'contended', maxAttempts: 1 })
    const latches = Array.from({ length: 10 }, (_, i) => `l${i}`)
    const results = await Promise.allSettled(latches.map((l) => store.strengthen(commitment('acct_1', [l]))))
    const lost = latches.filter((_, i) => results[i]?.status === 'rejected')
    expect(lost.length).toBeGreaterThan(0)
    for (const r of results) {
      if (r.status === 'rejected') expect(isSdkError(r.reason, ErrorCode.StoreContended)).toBe(true)
    }
    const stored = (await store.get('acct_1', 'imap'))?.latches ?? []
    expect(stored.filter((l) => lost.includes(l))).toEqual([])
    expect(stored).toHaveLength(latches.length - lost.length)
    await store.close()
  })

  it('fails closed when the high-water hook throws or answers nonsense', async () => {
    const failing = await openStore(redis.port, {
      prefix: 'hook',
      highWater: { read: async () => Promise.reject(new Error('db down')), write: async () => {} },
    })
    const down = await failing.get('acct_1', 'imap').catch((e: unknown) => e)
    expect(isSdkError(down, ErrorCode.StoreIo), String(down)).toBe(true)
    await failing.close()
    const nonsense = await openStore(redis.port, {
      prefix: 'hook',
      highWater: { read: async () => Number.NaN, write: async () => {} },
    })
    const bad = await nonsense.get('acct_1', 'imap').catch((e: unknown) => e)
    expect(isSdkError(bad, ErrorCode.StoreRollback), String(bad)).toBe(true)
    await nonsense.close()
  })
})
