// Integrity (issue #18 item 1): whoever can write to Redis can flip bytes, replay a value they read
// earlier, copy one account's record over another's, delete a record or an audit entry. Each is
// detected and refused with FileStore's codes; nothing is silently read as "no commitment".
import { randomBytes } from 'node:crypto'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { accountKeys, type HighWaterHook, RedisCommitmentStore } from '@mua-sts/store-redis'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { commitment, KEY, openStore, rawClient } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isSdkError(e) ? e.code : String(e)),
  )
}

describe.skipIf(!needRedis())('RedisCommitmentStore integrity', () => {
  let redis: RedisInstance
  let raw: Redis
  let store: RedisCommitmentStore
  let n = 0
  let prefix: string
  const rec = (account: string) => accountKeys(prefix, account).record
  beforeAll(async () => {
    redis = await startRedis()
    raw = rawClient(redis.port)
  })
  afterAll(async () => {
    raw?.disconnect()
    await redis?.stop()
  })
  beforeEach(async () => {
    prefix = `tamper${++n}`
    store = await openStore(redis.port, { prefix })
  })
  afterEach(async () => store.close())
  /** A second worker that has seen nothing yet (e.g. just restarted). */
  const fresh = (o: { highWater?: HighWaterHook } = {}) => openStore(redis.port, { prefix, ...o })

  it('refuses a record with one flipped byte with MUASTS_ERR_STORE_CORRUPT', async () => {
    await store.strengthen(commitment('acct_1', ['tls12']))
    const value = (await raw.get(rec('acct_1'))) as string
    for (const at of [value.indexOf('tls12'), value.length - 2, 30]) {
      const flipped = value.slice(0, at) + String.fromCharCode(value.charCodeAt(at) ^ 1) + value.slice(at + 1)
      await raw.set(rec('acct_1'), flipped)
      const other = await fresh()
      expect(await codeOf(other.get('acct_1', 'imap'))).toBe(ErrorCode.StoreCorrupt)
      expect(await codeOf(other.strengthen(commitment('acct_1')))).toBe(ErrorCode.StoreCorrupt)
      await other.close()
    }
    // Nothing was "repaired" by the refused strengthen.
    expect(await raw.get(rec('acct_1'))).not.toBe(value)
  })

  it('refuses garbage, an oversized value and a record sealed with another key', async () => {
    await raw.set(rec('acct_1'), 'hello')
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreCorrupt)
    await raw.set(rec('acct_1'), `mua-sts/redis-record/1 x ${'{'.repeat(300_000)}`)
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreCorrupt)
    const forger = await openStore(redis.port, { prefix, hmacKey: randomBytes(32) })
    await raw.del(rec('acct_1'))
    await forger.strengthen(commitment('acct_1'))
    await forger.close()
    const other = await fresh()
    expect(await codeOf(other.get('acct_1', 'imap'))).toBe(ErrorCode.StoreCorrupt)
    await other.close()
  })

  it('refuses a record copied from another account (MAC and body bind the account)', async () => {
    await store.strengthen(commitment('acct_weak'))
    await store.strengthen(commitment('acct_strong', ['tls12', 'tls-cert']))
    await raw.set(rec('acct_strong'), (await raw.get(rec('acct_weak'))) as string)
    const other = await fresh()
    expect(await codeOf(other.get('acct_strong', 'imap'))).toBe(ErrorCode.StoreCorrupt)
    await other.close()
  })

  it('refuses a replayed older value, and a deleted record, in every worker that saw the newer one', async () => {
    await store.strengthen(commitment('acct_1'))
    const old = (await raw.get(rec('acct_1'))) as string
    await store.strengthen(commitment('acct_1', ['tls12']))
    const other = await fresh()
    expect((await other.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    await raw.set(rec('acct_1'), old)
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    expect(await codeOf(other.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    expect(await codeOf(other.strengthen(commitment('acct_1')))).toBe(ErrorCode.StoreRollback)
    await raw.del(rec('acct_1'))
    expect(await codeOf(other.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    await other.close()
  })

  it('with a high-water hook, also refuses a replay a restarted worker never saw past', async () => {
    const marks = new Map<string, number>()
    const highWater: HighWaterHook = {
      read: async (a) => marks.get(a) ?? 0,
      write: async (a, seq) => void marks.set(a, Math.max(seq, marks.get(a) ?? 0)),
    }
    const writer = await fresh({ highWater })
    await writer.strengthen(commitment('acct_1'))
    const old = (await raw.get(rec('acct_1'))) as string
    await writer.strengthen(commitment('acct_1', ['tls12']))
    await writer.close()
    await raw.set(rec('acct_1'), old)
    const restarted = await fresh({ highWater })
    expect(await codeOf(restarted.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    await raw.flushall()
    expect(await codeOf(restarted.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    await restarted.close()
    // Without the hook, a worker that never saw the newer version cannot tell (docs/fleets.md).
    const blind = await fresh()
    expect(await blind.get('acct_1', 'imap')).toBeUndefined()
    await blind.close()
  })

  it('keeps an audit stream whose deleted or swapped entries are detected', async () => {
    await store.strengthen(commitment('acct_1', ['tls12']))
    for (const reason of ['first move', 'second move']) {
      const { confirmation } = await store.requestForget('acct_1', 'imap')
      await store.replace(
        { account: 'acct_1', service: 'imap', reason, actor: 'admin:alice', confirmation },
        [commitment('acct_1')],
      )
    }
    const audit = await store.audit('acct_1')
    expect(audit.map((r) => [r.kind, r.reason])).toEqual([
      ['replace', 'first move'],
      ['replace', 'second move'],
    ])
    const stream = accountKeys(prefix, 'acct_1').audit
    const [first] = await raw.xrange(stream, '-', '+')
    await raw.xdel(stream, first![0])
    expect(await codeOf(store.audit('acct_1'))).toBe(ErrorCode.StoreCorrupt)
    await raw.xadd(stream, '*', 'entry', first![1][1] as string)
    expect(await codeOf(store.audit('acct_1'))).toBe(ErrorCode.StoreCorrupt)
  })

  it('keeps a saved status URL when a back-dated one arrives (core joinOnto)', async () => {
    const url = (u: string, seenAt: string) => ({ url: u, seenAt })
    await store.strengthen({
      ...commitment('acct_1'),
      statusUrl: url('https://status.example.net/a', '2026-02-01T00:00:00.000Z'),
    })
    const after = await store.strengthen({
      ...commitment('acct_1'),
      statusUrl: url('https://status.example.net/b', '2020-01-01T00:00:00.000Z'),
    })
    expect(after.statusUrl?.url).toBe('https://status.example.net/a')
  })

  it('refuses bad arguments and options with MUASTS_ERR_INVALID_OPTION, before any I/O', async () => {
    expect(await codeOf(store.get('bad ref/..', 'imap'))).toBe(ErrorCode.InvalidOption)
    expect(await codeOf(store.strengthen({ ...commitment('acct_1'), tlsFloor: 'ssl3' } as never))).toBe(
      ErrorCode.InvalidOption,
    )
    const make = (o: object) => () =>
      new RedisCommitmentStore({ connection: { host: '127.0.0.1', port: 1 }, hmacKey: KEY, ...o })
    expect(make({ hmacKey: new Uint8Array(8) })).toThrow(/options.hmacKey/)
    expect(make({ prefix: 'a{b}' })).toThrow(/options.prefix/)
    expect(make({ maxAttempts: 0 })).toThrow(/options.maxAttempts/)
  })
})
