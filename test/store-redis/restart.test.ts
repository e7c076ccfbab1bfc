// Restart (issue #18): with AOF and `appendfsync always`, a Redis server killed with SIGKILL in the
// middle of a write storm and started again still holds every strengthen that was acknowledged; the
// writes in flight at the kill fail with MUASTS_ERR_STORE_IO and are never acknowledged. The same store
// instance reconnects by itself.
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitment, openStore } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

describe.skipIf(!needRedis())('RedisCommitmentStore across a Redis crash', () => {
  let redis: RedisInstance
  beforeAll(async () => {
    redis = await startRedis({ aof: true })
  })
  afterAll(async () => redis?.stop())

  it('keeps every acknowledged strengthen after kill -9 and restart (AOF, appendfsync always)', async () => {
    const store = await openStore(redis.port, {
      prefix: 'crash',
      connection: { host: '127.0.0.1', port: redis.port, commandTimeoutMs: 500 },
    })
    const acked: Array<[string, string]> = []
    const failures: unknown[] = []
    let stop = false
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const account = `acct_${i % 5}`
        const latch = `w${w}-${Math.floor(i / 5) % 12}`
        try {
          await store.strengthen(commitment(account, [latch]))
          acked.push([account, latch])
        } catch (error) {
          failures.push(error)
          if (!isSdkError(error, ErrorCode.StoreIo)) throw error
          // While Redis is down a strengthen can reject without touching the event loop; without this
          // yield the writers spin on microtasks, the timer that sets `stop` never fires, and the
          // worker runs out of memory collecting failures.
          await new Promise((r) => setTimeout(r, 1))
        }
      }
    })
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 5))
    await redis.kill9()
    await new Promise((r) => setTimeout(r, 200))
    stop = true
    await Promise.all(writers)
    expect(failures.length).toBeGreaterThan(0) // writes during the outage failed, coded
    await redis.restart()
    const stored = await store.list()
    for (const [account, latch] of acked) {
      expect(stored.find((c) => c.account === account)?.latches).toContain(latch)
    }
    await store.close()
  }, 60_000)

  it('refuses, as a rollback, a server that came back empty (no AOF) to a worker that saw the data', async () => {
    const volatile = await startRedis({ aof: false })
    const store = await openStore(volatile.port)
    await store.strengthen(commitment('acct_1', ['tls12']))
    await volatile.kill9()
    await volatile.restart()
    const error = await store.get('acct_1', 'imap').catch((e: unknown) => e)
    expect(isSdkError(error, ErrorCode.StoreRollback), String(error)).toBe(true)
    await store.close()
    await volatile.stop()
  })
})
