// The DANE half of the gate (#15): TLS options keep PKIX inside the handshake for every commitment
// except a DANE-only one, the TLSA lookup only starts with a resolver and a host name, and a DANE
// requirement is never written by a guard that cannot check it.
import { X509Certificate } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import { type Commitment, ErrorCode, isSdkError } from '@mua-sts/core'
import { FIXED_NOW, goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { type TlsaLookup, tlsaRecordFor, validatingResolver } from '@mua-sts/dane'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Leaf, testPki } from '../../../test/support/certs.js'
import { type DaneState, daneReady, observeDane, recordHandshakePeer, startDane } from './dane-gate.js'
import { Guard } from './guard.js'

// A port nothing answers on: the lookups these tests start are never awaited, only cancelled by GC.
const dane = { address: '127.0.0.1:9', timeoutMs: 100 }

function guard(c: Commitment, withDane: boolean) {
  const store = new MemoryCommitmentStore()
  const g = new Guard(
    { account: c.account, store, now: () => new Date(FIXED_NOW), ...(withDane ? { dane } : {}) },
    c.service,
    '@mua-sts/test',
  )
  return { g, store }
}

const dnsHost = (over: Partial<Commitment>) =>
  sampleCommitment({ endpoint: { host: 'imap.example.net', port: 993, transport: 'implicit-tls' }, ...over })

describe('Guard TLS parameters with DANE', () => {
  it('relaxes the handshake chain check only for a DANE-only commitment with a resolver', () => {
    const daneOnly = [
      dnsHost({ latches: ['tls12', 'tls-dane-tlsa'] }),
      dnsHost({ latches: [], directives: { tlsCert: 'dane' } }),
    ]
    for (const c of daneOnly) {
      const p = guard(c, true).g.tlsParams(c)
      expect(p.options.rejectUnauthorized).toBe(false)
      expect(p.dane?.relaxPkix).toBe(true)
      // The dial does not wait for the TLSA answer (#15 item 1): its lookup is the caller's, untouched.
      expect(p.options.lookup).toBeUndefined()
    }
  })

  it('keeps rejectUnauthorized for pkix+dane, tls-cert, no DANE requirement, or no resolver', () => {
    const cases: Array<[Commitment, boolean]> = [
      [dnsHost({ latches: ['tls-cert', 'tls-dane-tlsa'] }), true],
      [dnsHost({ latches: ['tls12'], directives: { tlsCert: 'pkix+dane' } }), true],
      [dnsHost({ latches: ['tls-cert'] }), true],
      [dnsHost({ latches: ['tls12', 'tls-dane-tlsa'] }), false],
    ]
    for (const [c, withDane] of cases) {
      const p = guard(c, withDane).g.tlsParams(c)
      expect(p.options.rejectUnauthorized).toBe(true)
      expect(p.dane?.relaxPkix ?? false).toBe(false)
    }
  })

  it('starts no TLSA lookup for an IP-literal endpoint, and so never relaxes PKIX for it', () => {
    const c = sampleCommitment({
      endpoint: { host: '127.0.0.1', port: 993, transport: 'implicit-tls' },
      latches: ['tls-dane-tlsa'],
    })
    const p = guard(c, true).g.tlsParams(c)
    expect(p.dane).toBeUndefined()
    expect(p.options.rejectUnauthorized).toBe(true)
  })

  it('refuses a non-loopback resolver at construction', () => {
    const c = dnsHost({})
    expect(
      () =>
        new Guard(
          { account: c.account, store: new MemoryCommitmentStore(), dane: { address: '9.9.9.9' } },
          'imap',
          'x',
        ),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }))
  })
})

describe('Guard.learn() and DANE (#15 item 4)', () => {
  const advertisesDane = goodObservation({
    dane: { status: 'valid' },
    advertisement: { sts: { tlsCert: 'dane' }, deep: { tags: ['tls-dane-tlsa'] } },
  })

  it('refuses with MUASTS_ERR_DANE_UNAVAILABLE to write a DANE requirement without a resolver', async () => {
    const c = sampleCommitment()
    const { g, store } = guard(c, false)
    await store.strengthen(c)
    const error = await g.learn(c, advertisesDane).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSdkError(error, ErrorCode.DaneUnavailable)).toBe(true)
    expect(await store.get(c.account, c.service)).toEqual(c)
  })

  it('writes it when the guard has a resolver', async () => {
    const c = sampleCommitment()
    const { g, store } = guard(c, true)
    await store.strengthen(c)
    const learned = await g.learn(c, advertisesDane)
    expect(learned.latches).toContain('tls-dane-tlsa')
    expect((await store.get(c.account, c.service))?.latches).toContain('tls-dane-tlsa')
  })
})

// The chain the DANE check reads (#15 benchmark): the one Node built for checkServerIdentity in this very
// handshake, never one left over from another, and read from the socket whenever the callback did not run.
describe('observeDane() and the handshake chain', () => {
  const pki = testPki()
  const HOST = 'mail.example.test'
  const servers: tls.Server[] = []
  const sockets: tls.TLSSocket[] = []
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy()
    for (const s of servers.splice(0)) s.close()
  })

  const der = (leaf: Leaf) => new Uint8Array(new X509Certificate(leaf.cert).raw)
  /** A secure lookup whose only record is `3 1 1` for `leaf`. */
  const lookupFor = (leaf: Leaf): TlsaLookup => ({
    status: 'secure',
    name: `_993._tcp.${HOST}`,
    owner: `_993._tcp.${HOST}`,
    records: [tlsaRecordFor(der(leaf))],
    ttl: 300,
  })
  const stateFor = (leaf: Leaf): DaneState => ({
    lookup: lookupFor(leaf),
    settled: true,
    answer: Promise.resolve(),
    cancel: () => {},
    now: () => new Date(FIXED_NOW),
    relaxPkix: false,
  })

  async function serve(leaf: Leaf): Promise<number> {
    const s = tls.createServer({ key: leaf.key, cert: leaf.cert }, (sock) => sock.on('error', () => {}))
    servers.push(s)
    s.listen(0, '127.0.0.1')
    await once(s, 'listening')
    return (s.address() as { port: number }).port
  }

  async function dial(port: number, state: DaneState, pkix: boolean): Promise<tls.TLSSocket> {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: HOST,
      ca: pki.caCert,
      rejectUnauthorized: pkix,
      checkServerIdentity: recordHandshakePeer(undefined, state),
    })
    sockets.push(socket)
    await once(socket, 'secureConnect')
    return socket
  }

  it('reuses the chain Node handed checkServerIdentity, and judges it like a fresh read', async () => {
    const port = await serve(pki.good)
    for (const [leaf, status] of [
      [pki.good, 'valid'],
      [pki.rekeyed, 'invalid'],
    ] as const) {
      const state = stateFor(leaf)
      const socket = await dial(port, state, true)
      expect(socket.authorized).toBe(true)
      expect(state.handshakePeer?.raw.equals(der(pki.good))).toBe(true)
      const read = vi.spyOn(socket, 'getPeerCertificate')
      expect(observeDane(socket, state, HOST, true)?.dane.status).toBe(status)
      expect(read).not.toHaveBeenCalled()
      // The same verdict from the socket itself, with nothing recorded.
      delete state.handshakePeer
      expect(observeDane(socket, state, HOST, true)?.dane.status).toBe(status)
      expect(read).toHaveBeenCalled()
    }
  })

  it('never uses a chain recorded in another handshake: an unverified one is read from its socket', async () => {
    // The record matches `good`; the state still holds good's chain from an earlier handshake when a
    // self-signed server (no checkServerIdentity: Node skips it for an unverified chain) answers.
    const state = stateFor(pki.good)
    const first = await dial(await serve(pki.good), state, true)
    expect(observeDane(first, state, HOST, true)?.dane.status).toBe('valid')
    const stranger = await dial(await serve(pki.selfSigned), state, false)
    expect(stranger.authorized).toBe(false)
    expect(state.handshakePeer?.raw.equals(der(pki.good))).toBe(true) // stale, and must be ignored
    const facts = observeDane(stranger, state, HOST, false)
    expect(facts?.dane.status).toBe('invalid')
    expect(facts?.identity?.spkiSha256).toBe(pki.selfSigned.spki) // the identity facts are its too
  })

  it('takes the chain of a verified second handshake, not the first one', async () => {
    const state = stateFor(pki.good)
    await dial(await serve(pki.good), state, true)
    const second = await dial(await serve(pki.rekeyed), state, true)
    expect(state.handshakePeer?.raw.equals(der(pki.rekeyed))).toBe(true)
    expect(observeDane(second, state, HOST, true)?.dane.status).toBe('invalid')
  })
})

describe('startDane() and daneReady()', () => {
  // An in-process loopback resolver that answers every TLSA query with AD set and one record (TTL 300),
  // or, with `silent`, never answers.
  async function resolver(silent = false) {
    const socket = createSocket('udp4')
    const stats = { queries: 0 }
    socket.on('message', (query, peer) => {
      stats.queries++
      if (silent) return
      let end = 12
      while ((query[end] as number) !== 0) end += 1 + (query[end] as number)
      const header = Buffer.from([query[0] as number, query[1] as number, 0x81, 0xa0, 0, 1, 0, 1, 0, 0, 0, 0])
      const rr = Buffer.from([0xc0, 0x0c, 0, 52, 0, 1, 0, 0, 1, 44, 0, 35, 3, 1, 1, ...new Array(32).fill(7)])
      socket.send(Buffer.concat([header, query.subarray(12, end + 5), rr]), peer.port, peer.address)
    })
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    const config = validatingResolver({ address: `127.0.0.1:${socket.address().port}`, timeoutMs: 60_000 })
    return {
      config,
      stats,
      [Symbol.asyncDispose]: async () => {
        socket.close()
      },
    }
  }

  /** A connected TCP socket on loopback, and its server; both closed by the test. */
  async function loopbackSocket() {
    const server = net.createServer((s) => s.on('error', () => {}))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const socket = net.connect((server.address() as { port: number }).port, '127.0.0.1')
    await once(socket, 'connect')
    return {
      socket,
      [Symbol.asyncDispose]: async () => {
        socket.destroy()
        server.close()
      },
    }
  }

  const now = () => new Date(FIXED_NOW)
  const c = dnsHost({ latches: ['tls-cert', 'tls-dane-tlsa'] })

  it('never holds up the dial; daneReady() waits for a cold answer, and a warm one needs no wait at all', async () => {
    await using r = await resolver()
    await using tcp = await loopbackSocket()
    const cold = startDane(c, r.config, now)
    expect(cold?.settled).toBe(false)
    expect(cold?.lookup).toBeUndefined()
    const ready = daneReady(cold, tcp.socket)
    expect(ready).toBeInstanceOf(Promise)
    await ready
    expect(cold?.settled).toBe(true)
    expect(cold?.lookup?.status).toBe('secure')
    expect(r.stats.queries).toBe(1)
    // Settled: nothing left to wait for on this connection.
    expect(daneReady(cold, tcp.socket)).toBeUndefined()

    // The process-wide cache answers the next connection synchronously: no query, no wait.
    const warm = startDane(c, r.config, now)
    expect(warm?.settled).toBe(true)
    expect(warm?.lookup).toBe(cold?.lookup)
    expect(daneReady(warm, tcp.socket)).toBeUndefined()
    expect(r.stats.queries).toBe(1)
  })

  it('stops waiting when the socket closes, and cancels the lookup, so an abort or a deadline is never held up', async () => {
    await using r = await resolver(true)
    await using tcp = await loopbackSocket()
    const other = dnsHost({ endpoint: { host: 'silent.example.net', port: 993, transport: 'implicit-tls' } })
    const state = startDane(other, r.config, now)
    const ready = daneReady(state, tcp.socket)
    expect(ready).toBeInstanceOf(Promise)
    tcp.socket.destroy()
    await ready
    await state?.answer
    // Cancelled: settled without an answer, so a DANE requirement is refused (`dane-required`).
    expect(state?.settled).toBe(true)
    expect(state?.lookup).toBeUndefined()
    expect(tcp.socket.listenerCount('close')).toBe(0)
  })

  it('does not wait at all on a socket that is already closed', async () => {
    await using r = await resolver(true)
    await using tcp = await loopbackSocket()
    const other = dnsHost({ endpoint: { host: 'closed.example.net', port: 993, transport: 'implicit-tls' } })
    const state = startDane(other, r.config, now)
    tcp.socket.destroy()
    await daneReady(state, tcp.socket)
    await state?.answer
    expect(state?.lookup).toBeUndefined()
  })
})
