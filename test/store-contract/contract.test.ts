// One contract suite, three implementations (issue #18): the memory store, FileStore (in-memory
// secrets) and the Redis store against a real redis-server. Redis Cluster runs it in
// test/store-redis/cluster.test.ts.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore, MemoryCommitmentStore, MemorySecretStore } from '@mua-sts/store'
import { RedisCommitmentStore } from '@mua-sts/store-redis'
import { afterAll, beforeAll, describe } from 'vitest'
import { needRedis, type RedisInstance, startRedis } from '../store-redis/redis-server.js'
import { describeStoreContract } from './contract.js'

describeStoreContract('MemoryCommitmentStore', async () => ({
  store: new MemoryCommitmentStore(),
  close: async () => {},
}))

describeStoreContract('FileStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-contract-'))
  const store = await FileStore.open({ dir, secrets: new MemorySecretStore() })
  return { store, close: async () => rmSync(dir, { recursive: true, force: true }) }
})

describe.skipIf(!needRedis())('on a real redis-server', () => {
  let redis: RedisInstance
  let n = 0
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => redis?.stop())
  describeStoreContract('RedisCommitmentStore', async () => {
    // A fresh namespace per test: the same server, no state shared between tests.
    const store = await RedisCommitmentStore.open({
      connection: { host: '127.0.0.1', port: redis.port },
      hmacKey: randomBytes(32),
      prefix: `contract${++n}`,
    })
    return { store, close: () => store.close() }
  })
})
