// How a Wire reports that it is closed: after our own end() (QUIT, close()) and after the server hung
// up. The error a closed wire answers with is built on first use (issue #17: every QUIT used to pay
// for a stack trace nobody read); these tests pin that what callers see did not change.
import { once } from 'node:events'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Pop3ErrorCode } from './errors.js'
import { Wire } from './wire.js'

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A loopback TCP pair: the Wire's socket and the server's end of it. */
async function pair(): Promise<{ client: Socket; server: Socket }> {
  const srv = createServer()
  servers.push(srv)
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const port = (srv.address() as { port: number }).port
  const accepted = once(srv, 'connection')
  const client = tcpConnect({ host: '127.0.0.1', port })
  sockets.push(client)
  await once(client, 'connect')
  const [server] = (await accepted) as [Socket]
  sockets.push(server)
  return { client, server }
}

const CLOSED_BY_US = { code: Pop3ErrorCode.Closed, message: 'POP3: the connection is closed' }

describe('Wire after end()', () => {
  it('answers every later read with one CLOSED error, which a server hang-up does not replace', async () => {
    const { client, server } = await pair()
    const wire = new Wire(client, false)
    wire.end()
    const failure = wire.failure
    expect(failure).toMatchObject(CLOSED_BY_US)
    expect(wire.failure).toBe(failure)
    await expect(wire.readLine(512, 1000, 'QUIT')).rejects.toBe(failure)
    expect(() => wire.send('NOOP')).toThrow(expect.objectContaining(CLOSED_BY_US))

    // The server answers our FIN with its own: 'end' and 'close' arrive; the failure stays ours.
    server.end()
    await once(client, 'close')
    expect(wire.failure).toBe(failure)
    await expect(wire.readLine(512, 1000, 'QUIT')).rejects.toBe(failure)
  })

  it('wakes a read that was waiting when end() was called', async () => {
    const { client } = await pair()
    const wire = new Wire(client, true)
    const pending = wire.readLine(512, 5000, 'RETR')
    wire.end()
    await expect(pending).rejects.toMatchObject(CLOSED_BY_US)
  })

  it('endResponse() after end() throws the CLOSED error when bytes were left over', async () => {
    const { client, server } = await pair()
    const wire = new Wire(client, true)
    const sent = '+OK one\r\n+OK two\r\n'
    server.write(sent)
    while (client.bytesRead < sent.length) await new Promise((resolve) => setImmediate(resolve))
    expect((await wire.readLine(512, 5000, 'NOOP')).toString()).toBe('+OK one')
    wire.end()
    let thrown: unknown
    try {
      wire.endResponse()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject(CLOSED_BY_US)
    expect(thrown).toBe(wire.failure)
  })
})

describe('Wire when the server hangs up first', () => {
  it('fails with "server closed the connection", and later events do not replace it', async () => {
    const { client, server } = await pair()
    const wire = new Wire(client, true)
    const pending = wire.readLine(512, 5000, 'greeting')
    server.end()
    await expect(pending).rejects.toMatchObject({
      code: Pop3ErrorCode.Closed,
      message: 'POP3 server closed the connection',
    })
    const failure = wire.failure
    await once(client, 'close')
    client.emit('error', Object.assign(new Error('late'), { code: 'ECONNRESET' }))
    expect(wire.failure).toBe(failure)
    wire.end()
    expect(wire.failure).toBe(failure)
  })

  it('reports a socket error as the failure when it comes first', async () => {
    const { client } = await pair()
    const wire = new Wire(client, true)
    const pending = wire.readLine(512, 5000, 'greeting')
    client.emit('error', Object.assign(new Error('reset'), { code: 'ECONNRESET' }))
    await expect(pending).rejects.toMatchObject({
      code: Pop3ErrorCode.Closed,
      message: 'POP3 connection error (ECONNRESET)',
    })
    expect(client.destroyed).toBe(true)
  })
})
