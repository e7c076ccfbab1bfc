import { describe, expect, it } from 'vitest'
import type { TlsaLookup } from './tlsa-answer.js'
import { TlsaCache } from './tlsa-cache.js'

const name = '_993._tcp.mail.example.test'
const secure = (ttl: number): TlsaLookup => ({ status: 'secure', name, owner: name, records: [], ttl })

describe('TlsaCache', () => {
  it('keeps a secure answer for its TTL, capped, and then forgets it', () => {
    const cache = new TlsaCache(4, 60_000)
    cache.set('k', secure(30), 1_000)
    expect(cache.get('k', 30_999)).toEqual(secure(30))
    expect(cache.get('k', 31_000)).toBeUndefined()
    cache.set('long', secure(86_400), 0)
    expect(cache.get('long', 59_999)).toBeDefined()
    expect(cache.get('long', 60_000)).toBeUndefined()
  })

  it('never keeps denials, insecure answers, failures or TTL 0, so none of them outlives its cause', () => {
    const cache = new TlsaCache()
    const others: TlsaLookup[] = [
      { status: 'no-records', name },
      { status: 'insecure', name },
      { status: 'dnssec-invalid', name, reason: 'servfail' },
      secure(0),
    ]
    for (const [i, l] of others.entries()) cache.set(`k${i}`, l, 0)
    for (const i of others.keys()) expect(cache.get(`k${i}`, 1)).toBeUndefined()
  })

  it('drops the least recently used entry, and a hit never extends the TTL', () => {
    const cache = new TlsaCache(2)
    cache.set('a', secure(60), 0)
    cache.set('b', secure(60), 0)
    expect(cache.get('a', 1)).toBeDefined() // now b is the least recently used
    cache.set('c', secure(60), 2)
    expect(cache.get('b', 3)).toBeUndefined()
    expect(cache.get('a', 59_999)).toBeDefined()
    expect(cache.get('a', 60_000)).toBeUndefined()
  })

  it('holds at most maxEntries, dropping the oldest', () => {
    const cache = new TlsaCache(2)
    cache.set('a', secure(60), 0)
    cache.set('b', secure(60), 0)
    cache.set('c', secure(60), 0)
    expect(cache.get('a', 1)).toBeUndefined()
    expect(cache.get('b', 1)).toBeDefined()
    expect(cache.get('c', 1)).toBeDefined()
  })
})
