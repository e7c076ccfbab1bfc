// A loopback TCP forwarder in front of a test server that counts what crossed it, so a test can tell
// how far a connection got (accepted, TLS handshake flights) without trusting the client's own account.
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

export type TcpTap = {
  readonly port: number
  /** Connections accepted from the client. */
  readonly accepted: number
  /** Separate chunks the client sent (a TLS client's second flight is its second chunk at the earliest). */
  readonly clientChunks: number
  close(): Promise<void>
}

/** Forwards 127.0.0.1:<port> to 127.0.0.1:`target`. Does I/O. */
export async function startTcpTap(target: number): Promise<TcpTap> {
  let accepted = 0
  let clientChunks = 0
  const sockets = new Set<Socket>()
  const track = (s: Socket): Socket => {
    sockets.add(s)
    s.on('error', () => s.destroy())
    s.once('close', () => sockets.delete(s))
    return s
  }
  const server = createServer((client) => {
    accepted++
    track(client)
    const upstream = track(connect(target, '127.0.0.1'))
    client.on('data', () => {
      clientChunks++
    })
    client.pipe(upstream)
    upstream.pipe(client)
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as { port: number }).port,
    get accepted() {
      return accepted
    },
    get clientChunks() {
      return clientChunks
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
