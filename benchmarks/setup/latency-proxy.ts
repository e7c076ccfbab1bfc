// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction, so a probe over
// loopback pays a WAN-like round trip. Order is kept: every chunk of a direction waits the same delay
// and timers of equal delay fire in creation order. The TCP handshake itself is not delayed.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

export type LatencyProxy = { readonly port: number; close(): Promise<void> }

function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk)
    }, delayMs)
  })
  from.on('end', () => setTimeout(() => to.end(), delayMs))
}

/** Listens on 127.0.0.1:0 and forwards to 127.0.0.1:`targetPort`, `delayMs` each way. Does I/O. */
export async function startLatencyProxy(targetPort: number, delayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      s.once('close', () => sockets.delete(s))
    }
    pipeDelayed(client, upstream, delayMs)
    pipeDelayed(upstream, client, delayMs)
    client.once('close', () => setTimeout(() => upstream.destroy(), delayMs))
    upstream.once('close', () => setTimeout(() => client.destroy(), delayMs))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
