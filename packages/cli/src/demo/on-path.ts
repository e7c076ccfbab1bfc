// The demo's attacker position: a TCP relay on the endpoint the account is pinned to. Normally it
// forwards to the honest server; `divert()` sends new connections to an attacker's server instead,
// exactly what someone on the network path (hostile Wi-Fi, a compromised router) can do.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

export class OnPathRelay {
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #target: number

  private constructor(target: number) {
    this.#target = target
    this.#server = createServer((client) => this.#relay(client))
  }

  /** Listens on 127.0.0.1:<free port> and forwards to 127.0.0.1:`target`. */
  static async start(target: number): Promise<OnPathRelay> {
    const r = new OnPathRelay(target)
    r.#server.listen(0, '127.0.0.1')
    await once(r.#server, 'listening')
    return r
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port
  }

  /** New connections go to 127.0.0.1:`target` (the honest server again, or an attacker's). */
  divert(target: number): void {
    this.#target = target
  }

  #relay(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.#target })
    for (const s of [client, upstream]) {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
