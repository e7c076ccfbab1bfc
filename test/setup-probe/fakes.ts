// Fakes the shared ones in test/fakes/ do not cover: a tarpit (accepts TCP, never says a word) that
// counts how many connections are open at once, for the probe's concurrency, early-stop and
// cancellation tests; plus candidate and lookup helpers. Protocol fakes come from test/fakes/.
import { once } from 'node:events'
import { createServer, type LookupFunction, type Server, type Socket } from 'node:net'
import type { Candidate } from '@mua-sts/setup'

/** Shared by several tarpits: what the servers saw, not what the client believes. */
export class OpenMeter {
  open = 0
  max = 0
  total = 0
  readonly #waiters: Array<{ count: number; wake: () => void }> = []

  opened(): void {
    this.open++
    this.total++
    this.max = Math.max(this.max, this.open)
    this.#wake()
  }

  closed(): void {
    this.open--
    this.#wake()
  }

  /** Resolves once `count` connections are open at the same time. */
  whenOpen(count: number): Promise<void> {
    if (this.open >= count) return Promise.resolve()
    return new Promise((wake) => this.#waiters.push({ count, wake }))
  }

  /** Resolves once every connection seen so far is closed again (and at least `total` were seen). */
  whenAllClosed(total: number): Promise<void> {
    if (this.total >= total && this.open === 0) return Promise.resolve()
    return new Promise((wake) => this.#waiters.push({ count: -total, wake }))
  }

  #wake(): void {
    for (const w of [...this.#waiters]) {
      const ready = w.count >= 0 ? this.open >= w.count : this.total >= -w.count && this.open === 0
      if (!ready) continue
      this.#waiters.splice(this.#waiters.indexOf(w), 1)
      w.wake()
    }
  }
}

export type Tarpit = {
  readonly port: number
  /** Closes every held connection from the server side; the meter counts them closed at once. */
  releaseAll(): void
  close(): Promise<void>
}

/**
 * Accepts connections on 127.0.0.1 and never answers. A connection counts as open from accept until
 * the server releases it or the client closes it, whichever comes first, so a count taken right
 * after releaseAll() is exact: no client can have reacted yet.
 */
export async function startTarpit(meter: OpenMeter): Promise<Tarpit> {
  const held = new Set<Socket>()
  const forget = (socket: Socket): void => {
    if (held.delete(socket)) meter.closed()
  }
  const server: Server = createServer((socket) => {
    held.add(socket)
    meter.opened()
    socket.on('error', () => {})
    socket.once('close', () => forget(socket))
    // Read and discard: a socket that is never read never notices the client's FIN.
    socket.resume()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const releaseAll = (): void => {
    for (const s of [...held]) {
      forget(s)
      s.destroy()
    }
  }
  return {
    port,
    releaseAll,
    close: async () => {
      releaseAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Resolves every name to 127.0.0.1, so candidates keep their real names for the certificate check. */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true
  if (all)
    (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ])
  else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4)
}

/** A discovered candidate, trusted via an in-domain SRV record unless overridden. */
export function candidate(patch: Partial<Candidate> & Pick<Candidate, 'port'>): Candidate {
  return {
    service: 'imap',
    host: 'mail.example.test',
    transport: 'implicit-tls',
    source: 'srv',
    trust: { level: 'trusted', reason: 'srv_target_in_domain' },
    priority: 0,
    ...patch,
  }
}
