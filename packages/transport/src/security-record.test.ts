// Real TLS against an in-process server with the test CA: where the security record's socket facts come
// from, and when a passing connection's record is built. The leaf's issuer is read from the certificate
// object Node built for this very handshake's identity check (issue #17: converting the leaf a second
// time cost as much as the rest of the record), and only when that handshake's identity check accepted
// it; otherwise from the socket, as before. A passing record nobody receives is built on first read.
import diagnostics_channel from 'node:diagnostics_channel'
import { once } from 'node:events'
import tls from 'node:tls'
import {
  type Commitment,
  createCommitment,
  ErrorCode,
  type SecurityRecord,
  SecurityRecordSchema,
  type Service,
} from '@mua-sts/core'
import { goodObservation } from '@mua-sts/core/testing'
import { ReportDispatcher, SECURITY_RECORD_CHANNEL } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Leaf, testPki } from '../../../test/support/certs.js'
import { Guard } from './guard.js'
import { observeSecureSocket } from './observe.js'
import { rememberSocketFacts, socketFacts } from './security-record.js'

const pki = testPki()
const servers: tls.Server[] = []
const sockets: tls.TLSSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) s.close()
})

/** With `renegotiate`, a TLS 1.2 server that asks for a second handshake once the first completed. */
async function server(leaf: Leaf, renegotiate = false): Promise<number> {
  const s = renegotiate
    ? tls.createServer({ key: leaf.key, cert: leaf.cert, maxVersion: 'TLSv1.2' }, (socket) => {
        socket.on('error', () => {})
        socket.renegotiate({}, () => socket.write('renegotiated\r\n'))
      })
    : tls.createServer({ key: leaf.key, cert: leaf.cert })
  servers.push(s)
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  return (s.address() as { port: number }).port
}

function commitment(service: Service, port: number): Commitment {
  return createCommitment({
    account: 'acct_rec',
    service,
    host: 'localhost',
    port,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
}

/**
 * A completed handshake with the Guard's TLS options for `leaf`'s server. `spec` asks for IMAP's in-band
 * mode 'spec', which completes the handshake even for a certificate that fails, so that one can be seen.
 */
async function handshake(leaf: Leaf, spec = false) {
  const c = commitment('imap', await server(leaf))
  const guard = new Guard(
    {
      account: c.account,
      store: new MemoryCommitmentStore(),
      trust: { ca: pki.caCert },
      ...(spec ? { inBand: 'spec' } : {}),
    },
    'imap',
    '@mua-sts/test',
  )
  const params = guard.tlsParams(c)
  const socket = tls.connect({ ...params.options, host: '127.0.0.1' })
  sockets.push(socket)
  await once(socket, 'secureConnect')
  const observe = () =>
    observeSecureSocket(socket, params, { service: 'imap', endpoint: c.endpoint, transport: 'implicit-tls' })
  return { socket, observe }
}

describe('socketFacts(): the leaf issuer', () => {
  it('comes from the leaf the accepted handshake built, equal to what the socket reports', async () => {
    const { socket, observe } = await handshake(pki.good)
    const fromSocket = socketFacts(socket) // not observed yet: read from the socket
    expect(fromSocket.issuer).toContain('CN=mua-sts Test CA')
    expect(fromSocket.remoteAddress).toBe('127.0.0.1')

    observe()
    const read = vi.spyOn(socket, 'getPeerCertificate')
    expect(socketFacts(socket)).toEqual(fromSocket)
    expect(read).not.toHaveBeenCalled()
  })

  it('is read from the socket when the identity check refused the certificate (wrong name)', async () => {
    const { socket, observe } = await handshake(pki.wrongHost, true)
    expect(socket.authorized).toBe(false)
    expect(observe().certificate).toMatchObject({ chainTrusted: true, nameMatch: false })
    const read = vi.spyOn(socket, 'getPeerCertificate')
    expect(socketFacts(socket).issuer).toContain('CN=mua-sts Test CA')
    expect(read).toHaveBeenCalledWith(false)
  })

  it('is read from the socket when the chain failed and Node never ran the identity check', async () => {
    const { socket, observe } = await handshake(pki.otherCa, true)
    expect(observe().certificate).toMatchObject({ chainTrusted: false })
    const read = vi.spyOn(socket, 'getPeerCertificate')
    expect(socketFacts(socket).issuer).toContain('CN=mua-sts Untrusted CA')
    expect(read).toHaveBeenCalledWith(false)
  })

  it('is never taken from another connection made with other TLS options', async () => {
    const good = await handshake(pki.good)
    good.observe()
    const other = await handshake(pki.otherCa, true)
    other.observe()
    expect(socketFacts(other.socket).issuer).toContain('CN=mua-sts Untrusted CA')
    expect(socketFacts(good.socket).issuer).toContain('CN=mua-sts Test CA')
  })

  it('is read from the socket of a resumed session, where Node skipped the identity check', async () => {
    // The SDK never offers a session; a test does, to show a leaf recorded for the first connection of
    // the same TLS options is not taken for the second one.
    const port = await server(pki.good)
    const c = commitment('imap', port)
    const store = new MemoryCommitmentStore()
    const guard = new Guard({ account: c.account, store, trust: { ca: pki.caCert } }, 'imap', '@mua-sts/test')
    const params = guard.tlsParams(c)
    const facts = { service: 'imap', endpoint: c.endpoint, transport: 'implicit-tls' } as const
    const first = tls.connect({ ...params.options, host: '127.0.0.1' })
    sockets.push(first)
    const [session] = (await once(first, 'session')) as [Buffer]
    observeSecureSocket(first, params, facts)
    const resumed = tls.connect({ ...params.options, host: '127.0.0.1', session })
    sockets.push(resumed)
    await once(resumed, 'secureConnect')
    expect(resumed.isSessionReused()).toBe(true)
    observeSecureSocket(resumed, params, facts)
    const read = vi.spyOn(resumed, 'getPeerCertificate')
    socketFacts(resumed) // whatever the resumed socket itself knows, never the first connection's leaf
    expect(read).toHaveBeenCalledWith(false)
  })

  it('is absent, with every other socket fact, once the socket is destroyed', async () => {
    const { socket, observe } = await handshake(pki.good)
    observe()
    socket.destroy()
    expect(socketFacts(socket)).toEqual({})
  })
})

describe("a passing connection's security record", () => {
  const T_CHECK = '2026-03-01T10:00:00.000Z'

  /** A Guard whose clock reads `clock.now`, checking a good observation on a live TLS socket. */
  async function passOnLiveSocket(extra: Record<string, unknown> = {}) {
    const { socket } = await handshake(pki.good)
    const clock = { now: T_CHECK }
    const o = goodObservation()
    const guard = new Guard(
      { account: 'acct_rec', store: new MemoryCommitmentStore(), now: () => new Date(clock.now), ...extra },
      'imap',
      '@mua-sts/test',
    )
    const c = createCommitment({
      account: 'acct_rec',
      service: 'imap',
      host: o.endpoint.host,
      port: o.endpoint.port,
      transport: 'implicit-tls',
      source: 'setup',
      now: '2026-01-01T00:00:00.000Z',
    })
    const r = guard.check(c, o, socket)
    return { r, socket, clock, guard, c }
  }

  it('with nobody receiving records, is read later as it was at the check (time, id, socket facts)', async () => {
    const { r, socket, clock } = await passOnLiveSocket()
    const facts = socketFacts(socket)
    clock.now = '2026-03-01T11:00:00.000Z'
    socket.destroy() // the socket's facts were taken while it was open
    expect(r.ok).toBe(true)
    const record = r.record as SecurityRecord
    expect(record).toMatchObject({
      outcome: 'passed',
      recordedAt: T_CHECK,
      remoteAddress: '127.0.0.1',
      certificate: { issuer: facts.issuer },
      tls: { group: facts.group },
    })
    expect(SecurityRecordSchema.parse(record)).toEqual(record)
    expect(r.record).toBe(record)
  })

  it('with nobody receiving records, one that fails its schema fails where it is read, not the check', async () => {
    // An observation no adapter makes (the transport sanitizes cipher names): the check itself passes.
    const { guard, c, socket } = await passOnLiveSocket()
    const o = goodObservation({ tls: { version: 'TLSv1.3', cipher: 'AES 256 <b>', cipherBits: 256 } })
    const r = guard.check(c, o, socket)
    expect(r.ok).toBe(true)
    expect(() => r.record).toThrow(expect.objectContaining({ code: ErrorCode.Internal }))
    // A dispatcher without a record sink receives nothing either (records are opt-in).
    const sinkless = new Guard(
      { account: 'acct_rec', store: new MemoryCommitmentStore(), reports: new ReportDispatcher() },
      'imap',
      '@mua-sts/test',
    )
    const later = sinkless.check(c, o, socket)
    expect(() => later.record).toThrow(expect.objectContaining({ code: ErrorCode.Internal }))
    // With one, the record is built during the check, so its failure is the check's.
    const reports = new ReportDispatcher([], { recordSinks: [{ name: 't', writeRecord: () => undefined }] })
    const withSink = new Guard(
      { account: 'acct_rec', store: new MemoryCommitmentStore(), reports },
      'imap',
      '@mua-sts/test',
    )
    expect(() => withSink.check(c, o, socket)).toThrow(expect.objectContaining({ code: ErrorCode.Internal }))
    // A receiver that cannot say whether it has sinks is assumed to have them.
    const unknown = new Guard(
      {
        account: 'acct_rec',
        store: new MemoryCommitmentStore(),
        reports: { dispatch: () => {}, dispatchRecord: () => {} },
      },
      'imap',
      '@mua-sts/test',
    )
    expect(() => unknown.check(c, o, socket)).toThrow(expect.objectContaining({ code: ErrorCode.Internal }))
  })

  it('is built and delivered during the check when a dispatcher takes records', async () => {
    const sunk: SecurityRecord[] = []
    const reports = new ReportDispatcher([], {
      recordSinks: [{ name: 't', writeRecord: (x) => void sunk.push(x) }],
    })
    const { r } = await passOnLiveSocket({ reports })
    expect(sunk).toHaveLength(1)
    expect(r.record).toBe(sunk[0])
  })

  it('is built and published during the check when the diagnostics channel has a subscriber', async () => {
    const published: unknown[] = []
    const onRecord = (x: unknown) => published.push(x)
    diagnostics_channel.subscribe(SECURITY_RECORD_CHANNEL, onRecord)
    try {
      const { r } = await passOnLiveSocket()
      expect(published).toHaveLength(1)
      expect(r.record).toBe(published[0])
    } finally {
      diagnostics_channel.unsubscribe(SECURITY_RECORD_CHANNEL, onRecord)
    }
  })

  it('fails the check at once when the clock seam gives a time the record cannot hold', async () => {
    const { guard, c, socket } = await passOnLiveSocket()
    const far = new Guard(
      {
        account: 'acct_rec',
        store: new MemoryCommitmentStore(),
        now: () => new Date('+010000-01-01T00:00:00Z'),
      },
      'imap',
      '@mua-sts/test',
    )
    expect(() => far.check(c, goodObservation(), socket)).toThrow(
      expect.objectContaining({
        code: ErrorCode.Internal,
        message: 'a security record failed its own schema',
      }),
    )
    expect(guard.check(c, goodObservation(), socket).ok).toBe(true)
  })
})

// Socket facts read at an interim check (POP3's checkpoint 1) serve the record of the full check that
// follows on the same handshake, and only on it (issue #17): a renegotiation, a destroyed socket or
// another socket reads afresh.

/** A plain client of `port` trusting the test CA (no Guard options). */
async function connect(port: number): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.caCert] })
  sockets.push(socket)
  await once(socket, 'secureConnect')
  return socket
}

describe('rememberSocketFacts()', () => {
  it('serves the later read of the same handshake without reading the socket again', async () => {
    const socket = await connect(await server(pki.good))
    const read = vi.spyOn(socket, 'getEphemeralKeyInfo')
    rememberSocketFacts(socket)
    const facts = socketFacts(socket)
    expect(facts).toEqual({
      group: expect.any(String),
      issuer: expect.stringContaining('CN='),
      remoteAddress: '127.0.0.1',
    })
    expect(socketFacts(socket)).toBe(facts)
    rememberSocketFacts(socket) // a second call keeps the first read
    expect(read).toHaveBeenCalledTimes(1)
  })

  it('is dropped when another handshake completes on the socket: the next read is fresh', async () => {
    const socket = await connect(await server(pki.good, true))
    rememberSocketFacts(socket)
    const remembered = socketFacts(socket)
    const read = vi.spyOn(socket, 'getEphemeralKeyInfo')
    await once(socket, 'data') // written by the server after the renegotiation completed
    // Node's own check of the new handshake reads the key too (minDHSize); count only ours.
    const before = read.mock.calls.length
    const fresh = socketFacts(socket)
    expect(read.mock.calls.length - before).toBe(1)
    expect(fresh).not.toBe(remembered)
    expect(fresh).toEqual(remembered) // same server, same key: only the read is new
  })

  it('gives nothing for a destroyed socket, remembered or not, and nothing for a non-TLS value', async () => {
    const socket = await connect(await server(pki.good))
    rememberSocketFacts(socket)
    socket.destroy()
    expect(socketFacts(socket)).toEqual({})
    rememberSocketFacts({})
    rememberSocketFacts(undefined)
    expect(socketFacts({})).toEqual({})
  })

  it('belongs to its socket only', async () => {
    const port = await server(pki.good)
    const a = await connect(port)
    const b = await connect(port)
    rememberSocketFacts(a)
    const read = vi.spyOn(b, 'getEphemeralKeyInfo')
    socketFacts(b)
    expect(read).toHaveBeenCalledTimes(1)
  })
})

describe('Guard.check() after an interim pass', () => {
  it('records the facts the interim check read, without reading the socket between CAPA and login', async () => {
    const socket = await connect(await server(pki.good))
    const o = goodObservation()
    const c = createCommitment({
      account: 'acct_rec',
      service: 'pop3',
      host: o.endpoint.host,
      port: o.endpoint.port,
      transport: 'implicit-tls',
      source: 'setup',
      now: '2026-01-01T00:00:00.000Z',
    })
    const guard = new Guard({ account: 'acct_rec', store: new MemoryCommitmentStore() }, 'pop3', 'x')
    const read = vi.spyOn(socket, 'getEphemeralKeyInfo')
    expect(guard.check(c, { ...o, service: 'pop3' }, socket, { interim: true })).toEqual({ ok: true })
    expect(read).toHaveBeenCalledTimes(1)
    const r = guard.check(c, { ...o, service: 'pop3' }, socket)
    expect(read).toHaveBeenCalledTimes(1)
    expect(r.ok && r.record).toMatchObject({
      remoteAddress: '127.0.0.1',
      tls: { group: socketFacts(socket).group },
    })
  })
})
