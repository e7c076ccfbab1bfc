// A plain TCP relay on 127.0.0.1 that counts round trips per connection, so the benchmark tables can
// show the protocol turns each arm costs next to its timings (issue #17). A turn is a client flight: the
// first bytes the client sends, and every later client send that follows bytes from the server. TLS
// handshake flights count like commands do, the same for both arms. It never looks inside the bytes.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

export type Relay = {
  readonly port: number
  /** Turns of each connection closed so far, in order of closing. */
  readonly turns: number[]
  close(): Promise<void>
}

/** Listens on 127.0.0.1:0 and forwards to 127.0.0.1:`targetPort`, counting turns. Does I/O. */
export async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>()
  const turns: number[] = []
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    let count = 0
    let last: 'client' | 'server' | undefined
    client.on('data', (chunk: Buffer) => {
      if (last !== 'client') count++
      last = 'client'
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      last = 'server'
      client.write(chunk)
    })
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    let closed = 0
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      s.once('close', () => {
        sockets.delete(s)
        if (++closed === 2) turns.push(count)
        client.destroy()
        upstream.destroy()
      })
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    turns,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Runs `once` `times` times through a fresh relay to `targetPort` and returns the turns per connection. */
export async function countTurns(
  targetPort: number,
  once_: (port: number) => Promise<unknown>,
  times = 3,
): Promise<number[]> {
  const relay = await startRelay(targetPort)
  try {
    for (let i = 0; i < times; i++) await once_(relay.port)
    // The last connection's close may still be in flight.
    for (let i = 0; i < 100 && relay.turns.length < times; i++) await new Promise((r) => setTimeout(r, 10))
    return [...relay.turns]
  } finally {
    await relay.close()
  }
}
