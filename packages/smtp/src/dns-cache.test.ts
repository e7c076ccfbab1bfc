import type { LookupAddress, LookupOptions } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { DnsCache } from './dns-cache.js'

function setup() {
  let clock = 0
  const asked: string[] = []
  let fail = false
  const cache = new DnsCache({
    ttlMs: 1000,
    now: () => clock,
    resolve: (host, _options, cb) => {
      asked.push(host)
      if (fail) cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), [], undefined)
      else cb(null, [{ address: '127.0.0.1', family: 4 }])
    },
  })
  const lookup = (host: string) =>
    new Promise<{ err: unknown; address: string | LookupAddress[] }>((resolve) =>
      cache.lookup(host, { all: true } as LookupOptions, (err, address) => resolve({ err, address })),
    )
  return {
    cache,
    asked,
    lookup,
    advance: (ms: number) => {
      clock += ms
    },
    failNext: () => {
      fail = true
    },
  }
}

describe('DnsCache', () => {
  it('answers from the cache while the entry is fresh', async () => {
    const t = setup()
    await t.lookup('mail.example.test')
    const again = await t.lookup('mail.example.test')
    expect(again.address).toEqual([{ address: '127.0.0.1', family: 4 }])
    expect(t.asked).toEqual(['mail.example.test'])
  })

  it('asks the resolver again once the entry expired', async () => {
    const t = setup()
    await t.lookup('mail.example.test')
    t.advance(1000)
    await t.lookup('mail.example.test')
    expect(t.asked).toHaveLength(2)
  })

  it('never caches a failure', async () => {
    const t = setup()
    t.failNext()
    expect((await t.lookup('mail.example.test')).err).toBeInstanceOf(Error)
    await t.lookup('mail.example.test')
    expect(t.asked).toHaveLength(2)
  })

  it('forgets a host after its connection failed', async () => {
    const t = setup()
    await t.lookup('mail.example.test')
    t.cache.forget('mail.example.test')
    await t.lookup('mail.example.test')
    expect(t.asked).toHaveLength(2)
  })
})
