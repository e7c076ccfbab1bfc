// An implicit-TLS IMAP server for the Cancel test: its first connection (the probe's) gets a short,
// well-formed session; every later one completes the TLS handshake and then says nothing at all, the
// way a hanging login looks to a wizard. It logs every byte it receives after TLS, per connection, so
// a test can assert that nothing (no LOGIN, no password) arrived after the user cancelled.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createServer, type TLSSocket } from 'node:tls'

export type StallingImapServer = {
  readonly port: number
  /** Bytes received after the handshake, one entry per connection, in accept order. */
  readonly received: readonly Buffer[]
  /** Resolves once connection `n` (0-based) completed its TLS handshake. */
  handshake(n: number): Promise<void>
  /** Resolves once connection `n` was closed by the client. */
  closed(n: number): Promise<void>
  close(): Promise<void>
}

const CAPS = 'IMAP4rev1 AUTH=PLAIN'

type Deferred = { readonly promise: Promise<void>; resolve(): void }
function deferred(): Deferred {
  let resolve = (): void => undefined
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve: () => resolve() }
}

function answer(socket: TLSSocket, line: string): void {
  const [tag = '*', name = ''] = line.split(' ')
  const verb = name.toUpperCase()
  if (verb === 'CAPABILITY') socket.write(`* CAPABILITY ${CAPS}\r\n${tag} OK done\r\n`)
  else if (verb === 'LOGOUT') socket.end(`* BYE bye\r\n${tag} OK bye\r\n`)
  else socket.write(`${tag} OK done\r\n`)
}

/** Starts the server on 127.0.0.1 with `leaf`. Does I/O; close() destroys every socket. */
export async function startStallingImap(leaf: { key: string; cert: string }): Promise<StallingImapServer> {
  const received: Buffer[] = []
  const sockets: TLSSocket[] = []
  const handshakes: Deferred[] = []
  const closes: Deferred[] = []
  const slot = (list: Deferred[], n: number): Deferred => {
    while (list.length <= n) list.push(deferred())
    return list[n] as Deferred
  }
  const server = createServer({ key: leaf.key, cert: leaf.cert }, (socket) => {
    const n = sockets.length
    sockets.push(socket)
    received[n] = Buffer.alloc(0)
    socket.on('error', () => undefined)
    socket.once('close', () => slot(closes, n).resolve())
    slot(handshakes, n).resolve()
    let pending = ''
    socket.on('data', (chunk: Buffer) => {
      received[n] = Buffer.concat([received[n] as Buffer, chunk])
      if (n > 0) return // stalls: reads everything, answers nothing
      pending += chunk.toString('latin1')
      for (let i = pending.indexOf('\r\n'); i !== -1; i = pending.indexOf('\r\n')) {
        answer(socket, pending.slice(0, i))
        pending = pending.slice(i + 2)
      }
    })
    if (n === 0) socket.write(`* OK [CAPABILITY ${CAPS}] ready\r\n`)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    received,
    handshake: (n) => slot(handshakes, n).promise,
    closed: (n) => slot(closes, n).promise,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
