// prefetchTlsa and the TLSA cache, against an in-process UDP resolver that counts what reaches it: a
// cached answer is handed over at once with no query on the wire, only for its TTL, and only when it
// was `secure` (#15: a warm lookup adds no round trip and no asynchronous step to the dial).
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ValidatingResolver, validatingResolver } from './resolver.js'
import { TlsaCache } from './tlsa-cache.js'
import { prefetchTlsa } from './tlsa-lookup.js'

const BASE = { host: 'mail.example.test', port: 993 }
const DIGEST = Array.from({ length: 32 }, (_, i) => i)

/**
 * A stand-in for the app's loopback validating resolver: answers every TLSA query with AD set, either
 * one `3 1 1` record (TTL 300) or NXDOMAIN. Counts the queries it received.
 */
async function fakeResolver(answer: 'record' | 'nxdomain') {
  const socket: Socket = createSocket('udp4')
  const queries: Buffer[] = []
  socket.on('message', (query, peer) => {
    queries.push(query)
    let end = 12
    while ((query[end] as number) !== 0) end += 1 + (query[end] as number)
    const question = query.subarray(12, end + 5) // name, its root label, QTYPE and QCLASS
    const header = Buffer.alloc(12)
    query.copy(header, 0, 0, 2) // the query's id
    // QR, RD, RA, AD; RCODE 0 or 3 (NXDOMAIN). RFC 1035 §4.1.1, RFC 4035 §3.2.3.
    header.writeUInt16BE(answer === 'record' ? 0x81a0 : 0x81a3, 2)
    header.writeUInt16BE(1, 4)
    header.writeUInt16BE(answer === 'record' ? 1 : 0, 6)
    const rr =
      answer === 'record'
        ? Buffer.from([0xc0, 0x0c, 0, 52, 0, 1, 0, 0, 1, 44, 0, 35, 3, 1, 1, ...DIGEST])
        : Buffer.alloc(0)
    socket.send(Buffer.concat([header, question, rr]), peer.port, peer.address)
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const resolver: ValidatingResolver = validatingResolver({
    address: `127.0.0.1:${socket.address().port}`,
    timeoutMs: 1000,
  })
  return { resolver, queries, close: () => socket.close() }
}

let server: Awaited<ReturnType<typeof fakeResolver>> | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

/** Lets any datagram still in flight arrive before the count is read. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('prefetchTlsa() with a cache', () => {
  beforeEach(async () => {
    server = await fakeResolver('record')
  })

  it('asks the resolver once, then hands the cached answer over at once with nothing on the wire', async () => {
    const s = server as NonNullable<typeof server>
    const cache = new TlsaCache()
    const first = prefetchTlsa(BASE, { resolver: s.resolver, cache })
    expect(first.cached).toBeUndefined()
    const answer = await first.lookup
    expect(answer).toMatchObject({ status: 'secure', name: '_993._tcp.mail.example.test', ttl: 300 })
    expect(s.queries).toHaveLength(1)

    const second = prefetchTlsa(BASE, { resolver: s.resolver, cache })
    expect(second.cached).toBe(answer)
    expect(await second.lookup).toBe(answer)
    await settle()
    expect(s.queries).toHaveLength(1)
  })

  it('asks again once the TTL has passed', async () => {
    const s = server as NonNullable<typeof server>
    const cache = new TlsaCache()
    const t0 = Date.now()
    await prefetchTlsa(BASE, { resolver: s.resolver, cache, nowMs: () => t0 }).lookup
    const within = prefetchTlsa(BASE, { resolver: s.resolver, cache, nowMs: () => t0 + 299_000 })
    expect(within.cached).toBeDefined()
    const after = prefetchTlsa(BASE, { resolver: s.resolver, cache, nowMs: () => t0 + 300_000 })
    expect(after.cached).toBeUndefined()
    expect((await after.lookup).status).toBe('secure')
    expect(s.queries).toHaveLength(2)
  })

  it('refuses a bad host at once, before any query', async () => {
    const s = server as NonNullable<typeof server>
    let error: unknown
    try {
      prefetchTlsa({ host: '192.0.2.1', port: 993 }, { resolver: s.resolver, cache: new TlsaCache() })
    } catch (e) {
      error = e
    }
    expect(isSdkError(error, ErrorCode.InvalidOption)).toBe(true)
    await settle()
    expect(s.queries).toHaveLength(0)
  })
})

describe('prefetchTlsa() and answers that are never cached', () => {
  it('asks again for a secure denial every time', async () => {
    server = await fakeResolver('nxdomain')
    const cache = new TlsaCache()
    for (let i = 0; i < 2; i++) {
      const p = prefetchTlsa(BASE, { resolver: server.resolver, cache })
      expect(p.cached).toBeUndefined()
      expect((await p.lookup).status).toBe('no-records')
    }
    expect(server.queries).toHaveLength(2)
  })
})
