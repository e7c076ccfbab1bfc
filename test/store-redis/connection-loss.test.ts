// Connection loss (issue #18 item 1): a guarded connect whose commitment cannot be read fails closed
// with MUASTS_ERR_STORE_IO, never MUASTS_ERR_NO_COMMITMENT (which an app may answer by running setup
// again, i.e. trusting the network afresh), and the mail server sees no byte at all.
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { RedisCommitmentStore } from '@mua-sts/store-redis'
import {
  FAKE_PASS,
  FAKE_USER,
  type FakeImapServer,
  generatePki,
  type Pki,
  startFakeImap,
} from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { KEY, openStore } from './helpers.js'
import { needRedis, type RedisInstance, startRedis } from './redis-server.js'

describe.skipIf(!needRedis())('a guarded IMAP connect when Redis is gone', () => {
  let redis: RedisInstance
  let server: FakeImapServer
  let pki: Pki
  beforeAll(async () => {
    pki = await generatePki()
    redis = await startRedis({ aof: true })
    server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  })
  afterAll(async () => {
    await server?.close()
    await redis?.stop()
  })
  const connect = (store: RedisCommitmentStore) =>
    connectImap({
      account: 'acct_1',
      store,
      trust: { ca: pki.caCert },
      auth: { user: FAKE_USER, pass: FAKE_PASS },
    })
  const pin = async (store: RedisCommitmentStore) => {
    const { commitment } = await import('./helpers.js')
    const c = commitment('acct_1')
    await store.strengthen({
      ...c,
      endpoint: { host: '127.0.0.1', port: server.port, transport: 'implicit-tls' },
    })
  }

  it('connects while Redis answers, then refuses with MUASTS_ERR_STORE_IO once it is killed or hung', async () => {
    const store = await openStore(redis.port, {
      connection: { host: '127.0.0.1', port: redis.port, commandTimeoutMs: 300 },
    })
    await pin(store)
    const client = await connect(store)
    await client.logout()
    const seen = server.connections

    redis.signal('SIGSTOP') // hung: the socket stays open, nothing answers
    const hung = await connect(store).catch((e: unknown) => e)
    redis.signal('SIGCONT')
    expect(isSdkError(hung, ErrorCode.StoreIo), String(hung)).toBe(true)

    await redis.kill9()
    const started = Date.now()
    const dead = await connect(store).catch((e: unknown) => e)
    expect(isSdkError(dead, ErrorCode.StoreIo), String(dead)).toBe(true)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(server.connections).toBe(seen)
    expect(server.sawBytes(FAKE_PASS)).toBe(false)

    await redis.restart()
    const again = await connect(store) // the same store reconnects on its own
    await again.logout()
    await store.close()
  })

  it('refuses with MUASTS_ERR_STORE_IO when Redis was never reachable', async () => {
    const store = new RedisCommitmentStore({
      connection: { host: '127.0.0.1', port: await freePort(), commandTimeoutMs: 200 },
      hmacKey: KEY,
    })
    const error = await connect(store).catch((e: unknown) => e)
    expect(isSdkError(error, ErrorCode.StoreIo), String(error)).toBe(true)
    expect(isSdkError(error, ErrorCode.NoCommitment)).toBe(false)
    await store.close()
    const open = await RedisCommitmentStore.open({
      connection: { host: '127.0.0.1', port: await freePort(), commandTimeoutMs: 200 },
      hmacKey: KEY,
    }).catch((e: unknown) => e)
    expect(isSdkError(open, ErrorCode.StoreIo)).toBe(true)
  })
})
