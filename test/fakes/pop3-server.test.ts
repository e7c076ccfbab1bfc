// The fake is the witness for every "no credential on the wire" assertion, so it is tested on its own
// with raw sockets (no client code from the SDK involved).
import { once } from 'node:events'
import { connect as netConnect, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import {
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from './pop3-server.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(script: FakePop3Script) {
  const server = await startFakePop3(script)
  servers.push(server)
  return server
}

// Collects what a socket receives and lets a test wait until a given text has arrived.
function reader(socket: Socket | TLSSocket) {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  const text = () => Buffer.concat(chunks).toString('latin1')
  return {
    chunks,
    async until(needle: string) {
      while (!text().includes(needle)) await once(socket, 'data')
    },
  }
}

async function plainClient(server: FakePop3Server) {
  const socket = netConnect(server.port, server.host)
  await once(socket, 'connect')
  return { socket, read: reader(socket) }
}

describe('fake POP3 server as a witness', () => {
  it('logs and parses credentials sent in cleartext, even split across writes', async () => {
    const server = await serve({ mode: 'starttls' })
    const { socket, read } = await plainClient(server)
    await read.until('\r\n')
    socket.write(`USER ${FAKE_USER}\r\nPA`)
    socket.write(`SS ${FAKE_PASS}\r\n`)
    await read.until('logged in')
    socket.destroy()
    await server.connectionsClosed()
    expect(server.commands.map((c) => `${c.phase} ${c.verb}`)).toEqual(['plain USER', 'plain PASS'])
    expect(server.bytes('plain').toString()).toContain(FAKE_PASS)
    expect(server.sawCredentials()).toBe(true)
  })

  it('logs cleartext sent after STLS +OK instead of a TLS handshake as plain', async () => {
    const server = await serve({ mode: 'starttls' })
    const { socket, read } = await plainClient(server)
    await read.until('\r\n')
    socket.write('STLS\r\n')
    await read.until('begin TLS')
    socket.write(`PASS ${FAKE_PASS}\r\n`)
    await read.until('\r\n-ERR')
    socket.destroy()
    await server.connectionsClosed()
    expect(server.commands.map((c) => `${c.phase} ${c.verb}`)).toEqual(['plain STLS', 'plain PASS'])
    expect(server.sawCredentials()).toBe(true)
  })

  it('tags decrypted bytes after STLS as tls and serves the post-TLS CAPA', async () => {
    const server = await serve({ mode: 'starttls', capaAfterTls: ['USER', 'DEEP tls12'] })
    const { socket, read } = await plainClient(server)
    await read.until('\r\n')
    socket.write('STLS\r\n')
    await read.until('negotiation\r\n')
    socket.pause() // as any STARTTLS client must: a flowing socket without listeners drops bytes
    socket.removeAllListeners('data')
    const secure = tlsConnect({ socket, ca: server.caCert, servername: 'mail.example.test' })
    await once(secure, 'secureConnect')
    const tlsRead = reader(secure)
    secure.write('CAPA\r\n')
    await tlsRead.until('.\r\n')
    expect(Buffer.concat(tlsRead.chunks).toString()).toBe(
      '+OK capabilities follow\r\nUSER\r\nDEEP tls12\r\n.\r\n',
    )
    secure.destroy()
    await server.connectionsClosed()
    expect(server.byteLog.map((e) => e.phase)).toEqual(['plain', 'tls'])
    expect(server.sawCredentials()).toBe(false)
  })

  it('splits replies into the requested segment size', async () => {
    const server = await serve({ mode: 'starttls', segmentBytes: 3, greeting: '+OK abcdefgh' })
    const { socket, read } = await plainClient(server)
    await read.until('\r\n')
    expect(read.chunks.length).toBeGreaterThanOrEqual(2)
    expect(Math.max(...read.chunks.map((c) => c.length))).toBeLessThanOrEqual(3 * read.chunks.length)
    expect(Buffer.concat(read.chunks).toString()).toBe('+OK abcdefgh\r\n')
    socket.destroy()
  })

  it('can offer only TLS 1.1 when asked to', async () => {
    const server = await serve({
      mode: 'implicit',
      tlsMinVersion: 'TLSv1.1',
      tlsMaxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    const secure = tlsConnect({
      host: server.host,
      port: server.port,
      ca: server.caCert,
      servername: 'mail.example.test',
      minVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    await once(secure, 'secureConnect')
    expect(secure.getProtocol()).toBe('TLSv1.1')
    secure.destroy()
  })

  it('applies DELE marks only on QUIT after login', async () => {
    const server = await serve({ mode: 'starttls', messages: [{ body: 'a\r\n' }, { body: 'b\r\n' }] })
    const { socket, read } = await plainClient(server)
    await read.until('\r\n')
    socket.write(`USER ${FAKE_USER}\r\nPASS ${FAKE_PASS}\r\nDELE 1\r\nQUIT\r\n`)
    await once(socket, 'close')
    expect(server.mailbox.map((m) => m.body)).toEqual(['b\r\n'])
  })
})
