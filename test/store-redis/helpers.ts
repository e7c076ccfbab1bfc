// Shared pieces of the Redis store tests.
import { randomBytes } from 'node:crypto'
import { type Commitment, createCommitment } from '@mua-sts/core'
import { RedisCommitmentStore, type RedisStoreOptions } from '@mua-sts/store-redis'
import { Redis } from 'ioredis'

export const KEY = randomBytes(32)

/** A store on 127.0.0.1:`port` with the shared test key; closed by the caller. */
export function openStore(port: number, o: Partial<RedisStoreOptions> = {}): Promise<RedisCommitmentStore> {
  return RedisCommitmentStore.open({ connection: { host: '127.0.0.1', port }, hmacKey: KEY, ...o })
}

/** A raw client: what an attacker with write access to Redis (or an operator) can do. */
export function rawClient(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1 })
}

/** An IMAP commitment for `account` with the given latches. */
export function commitment(account: string, latches: Iterable<string> = []): Commitment {
  const c = createCommitment({
    account,
    service: 'imap',
    host: 'imap.example.net',
    port: 993,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  return { ...c, latches: [...new Set(latches)].sort() }
}
