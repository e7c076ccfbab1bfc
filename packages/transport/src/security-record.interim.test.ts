// Socket facts read at an interim check (POP3's checkpoint 1) serve the record of the full check that
// follows on the same handshake, and only on it (issue #17): a renegotiation, a destroyed socket or
// another socket reads afresh.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import tls from 'node:tls'
import { createCommitment } from '@mua-sts/core'
import { goodObservation } from '@mua-sts/core/testing'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testPki } from '../../../test/support/certs.js'
import { Guard } from './guard.js'
import { rememberSocketFacts, socketFacts } from './security-record.js'

const pki = testPki()
const servers: tls.Server[] = []
const sockets: tls.TLSSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) s.close()
})

/** A TLS 1.2 server; with `renegotiate` it asks for a second handshake once the first completed. */
async function server(renegotiate: boolean): Promise<number> {
  const s = tls.createServer({ key: pki.good.key, cert: pki.good.cert, maxVersion: 'TLSv1.2' }, (socket) => {
    socket.on('error', () => {})
    if (renegotiate) socket.renegotiate({}, () => socket.write('renegotiated\r\n'))
  })
  servers.push(s)
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  return (s.address() as AddressInfo).port
}

async function connect(port: number): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.caCert] })
  sockets.push(socket)
  await once(socket, 'secureConnect')
  return socket
}

describe('rememberSocketFacts()', () => {
  it('serves the later read of the same handshake without reading the socket again', async () => {
    const socket = await connect(await server(false))
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
    const socket = await connect(await server(true))
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
    const socket = await connect(await server(false))
    rememberSocketFacts(socket)
    socket.destroy()
    expect(socketFacts(socket)).toEqual({})
    rememberSocketFacts({})
    rememberSocketFacts(undefined)
    expect(socketFacts({})).toEqual({})
  })

  it('belongs to its socket only', async () => {
    const port = await server(false)
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
    const socket = await connect(await server(false))
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
