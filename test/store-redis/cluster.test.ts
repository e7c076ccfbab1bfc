// Redis Cluster (issue #18): a local cluster of 3 masters, each with one replica. The shared contract
// suite passes on it (an account's record and audit stream share a hash slot), and with
// `durability: { replicas: 1 }` (WAIT) no acknowledged strengthen is lost when a master is killed
// with SIGKILL and its replica takes over, nor when a replica is promoted with CLUSTER FAILOVER FORCE.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { accountKeys, RedisCommitmentStore } from '@mua-sts/store-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeStoreContract } from '../store-contract/contract.js'
import { commitment, KEY } from './helpers.js'
import { needRedis, type RedisClusterHandle, type RedisInstance, startCluster } from './redis-server.js'

describe.skipIf(!needRedis())('on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle
  let n = 0
  beforeAll(async () => {
    cluster = await startCluster(3, 1)
  }, 60_000)
  afterAll(async () => cluster?.stop())
  const open = (o: { prefix?: string; replicas?: number } = {}) =>
    RedisCommitmentStore.open({
      connection: { cluster: cluster.seeds, commandTimeoutMs: 1000 },
      hmacKey: KEY,
      prefix: o.prefix ?? `cl${randomBytes(4).toString('hex')}`,
      durability: { replicas: o.replicas ?? 0, timeoutMs: 2000 },
    })

  describeStoreContract('RedisCommitmentStore (cluster)', async () => {
    const store = await open({ prefix: `clcontract${++n}` })
    return { store, close: () => store.close() }
  })

  /** Strengthens `accounts` (one writer each, so no worker reads a write WAIT has not confirmed) until `stop`. */
  function writeStorm(store: RedisCommitmentStore, accounts: string[]) {
    const acked: Array<[string, string]> = []
    const state = { stop: false }
    const done = Promise.all(
      accounts.map(async (account) => {
        for (let i = 0; !state.stop; i++) {
          const latch = `l${i % 60}`
          try {
            await store.strengthen(commitment(account, [latch]))
            acked.push([account, latch])
          } catch (error) {
            if (!isSdkError(error, ErrorCode.StoreIo)) throw error
            await sleep(50)
          }
        }
      }),
    )
    return { acked, state, done }
  }

  async function expectAcked(acked: Array<[string, string]>, prefix: string): Promise<void> {
    const reader = await open({ prefix })
    for (const [account, latch] of acked) {
      expect((await reader.get(account, 'imap'))?.latches, `${account} ${latch}`).toContain(latch)
    }
    await reader.close()
  }

  function replicaOf(master: RedisInstance): RedisInstance {
    const r = cluster.nodes.find((x) => {
      try {
        const role = x.cli('ROLE').split('\n')
        return role[0] === 'slave' && role[2] === String(master.port)
      } catch {
        return false
      }
    })
    if (r === undefined) throw new Error(`no replica of ${master.port}`)
    return r
  }

  it('sends WAIT to the master that took the write (same pipeline), not to a random node', async () => {
    const store = await open({ prefix: 'waitroute', replicas: 1 })
    const masters = cluster.nodes.filter((x) => x.cli('ROLE').startsWith('master'))
    for (const m of masters) m.cli('CONFIG', 'RESETSTAT')
    for (let i = 0; i < 5; i++) await store.strengthen(commitment('acct_w', [`l${i}`]))
    const waits = (m: RedisInstance) =>
      Number(/cmdstat_wait:calls=(\d+)/.exec(m.cli('INFO', 'commandstats'))?.[1] ?? 0)
    const owner = cluster.masterOf(accountKeys('waitroute', 'acct_w').record)
    expect(masters.map((m) => [m.port, waits(m)])).toEqual(masters.map((m) => [m.port, m === owner ? 5 : 0]))
    await store.close()
  })

  it('loses no acknowledged (WAIT 1) strengthen when a master is killed or a replica is forced over', async () => {
    const prefix = 'failover'
    const store = await open({ prefix, replicas: 1 })
    const accounts = ['acct_a', 'acct_b', 'acct_c', 'acct_d', 'acct_e', 'acct_f']
    const storm = writeStorm(store, accounts)
    while (storm.acked.length < 100) await sleep(10)

    // 1. Crash: SIGKILL the master of acct_a's slot; its replica is elected within a few seconds.
    const crashed = cluster.masterOf(accountKeys(prefix, 'acct_a').record)
    const heir = replicaOf(crashed)
    await crashed.kill9()
    await cluster.waitHealthy(heir.port)
    const before = storm.acked.length
    while (storm.acked.length < before + 100) await sleep(10)

    // 2. Forced failover of another shard (no agreement from its master).
    const other = accounts.find((a) => cluster.masterOf(accountKeys(prefix, a).record).port !== heir.port)
    const oldMaster = cluster.masterOf(accountKeys(prefix, other as string).record)
    const promoted = replicaOf(oldMaster)
    promoted.cli('CLUSTER', 'FAILOVER', 'FORCE')
    await cluster.waitHealthy(promoted.port)
    const mid = storm.acked.length
    while (storm.acked.length < mid + 50) await sleep(10)
    storm.state.stop = true
    await storm.done
    await store.close()

    expect(storm.acked.some(([a]) => a === 'acct_a')).toBe(true)
    await expectAcked(storm.acked, prefix)
  }, 90_000)
})
