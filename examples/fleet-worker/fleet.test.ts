// Runs examples/fleet-worker against a real redis-server: three worker processes share one Redis store;
// the latch worker w1 learned refuses w2 and w3 on their next connect, before the password is sent,
// and the refusal reports reach the delivery worker through the stream.
import { describe, expect, it } from 'vitest'
import { needRedis, startRedis } from '../../test/store-redis/redis-server.js'
import { runFleet } from './fleet.js'

describe.skipIf(!needRedis())('examples/fleet-worker', () => {
  it('one worker learns a latch; the others are refused in their next connect', async () => {
    const redis = await startRedis()
    try {
      const { syncs, delivered, passwordLeaked } = await runFleet(redis.port, () => {})
      const [w1a, w1b, ...others] = syncs
      expect([w1a, w1b]).toMatchObject([
        { worker: 'w1', ok: true, directives: { tlsVersion: '1.3' } },
        { worker: 'w1', ok: true, directives: { tlsVersion: '1.3' } },
      ])
      expect(others).toHaveLength(4)
      for (const s of others) {
        expect(s).toMatchObject({ ok: false, code: 'MUASTS_ERR_COMMITMENT_VIOLATED' })
        expect(s['violations']).toContain('tls_version_below_floor')
      }
      expect(passwordLeaked).toBe(false)
      expect(delivered).toHaveLength(4)
      expect(new Set(delivered.map((r) => r.account.ref))).toEqual(new Set(['acct_alice', 'acct_bob']))
    } finally {
      await redis.stop()
    }
  }, 90_000)
})
