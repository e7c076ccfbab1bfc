// Free loopback ports for servers that cannot bind port 0 themselves (Dovecot takes fixed ports
// from its config). A port is free when this resolves, not reserved: another process may take it
// before the server binds, so callers that spawn external servers must retry on EADDRINUSE.
import { createServer, type Server } from 'node:net'

function listenOnAnyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('freePort: the kernel returned no TCP address for 127.0.0.1:0'))
        return
      }
      resolve({ server, port: address.port })
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
}

/** Binds 127.0.0.1:0, closes the socket and returns the port the kernel picked. Does I/O. */
export async function freePort(): Promise<number> {
  const { server, port } = await listenOnAnyPort()
  await close(server)
  return port
}

/**
 * Returns `count` distinct free ports. All sockets stay bound until every port is known, because
 * the kernel may hand out a just-closed port again and a config with a duplicate port cannot start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Array<{ server: Server; port: number }> = []
  try {
    for (let i = 0; i < count; i++) held.push(await listenOnAnyPort())
    return held.map((h) => h.port)
  } finally {
    await Promise.all(held.map((h) => close(h.server)))
  }
}
