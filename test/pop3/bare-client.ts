// CONTRAST ONLY: a deliberately unguarded POP3 client, written the way hand-rolled and npm POP3 clients
// commonly are (docs/integration-notes.md: why no npm POP3 client is usable). It keeps one receive
// buffer across the STLS upgrade, carries on in cleartext when STLS is missing or refused, and logs in
// with no gate and no tripwire. Security tests run it against the same scripted attack as the real
// client, to show that the attack delivers against a client without the guard; that each guard in
// @mua-sts/pop3 is load-bearing is proven by mutation testing, not by switches in shipped code.
import { connect as netConnect, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import type { FakePop3Server } from '../fakes/pop3-server.js'

const READ_MS = 5_000

/** A bare session after greeting, CAPA and (if it went well) STLS, not logged in. */
export type BareSession = {
  /** True when the session ended up on TLS. */
  readonly tls: boolean
  /** The CAPA lines this client believes describe the server after the upgrade (or in cleartext). */
  readonly caps: readonly string[]
  /** USER/PASS with no check of any kind; resolves with the reply to PASS. */
  login(user: string, pass: string): Promise<string>
  /** Hands over the socket with this client's listeners removed (to build a session by hand). */
  release(): Socket | TLSSocket
  close(): void
}

class Lines {
  #buf = Buffer.alloc(0)
  #wake: (() => void) | undefined
  #socket!: Socket
  readonly #onData = (chunk: Buffer): void => {
    this.#buf = Buffer.concat([this.#buf, chunk])
    this.#wake?.()
  }

  constructor(socket: Socket) {
    this.attach(socket)
  }

  get socket(): Socket {
    return this.#socket
  }

  /** The bug on purpose: the buffer survives a change of socket (CERT VU#555316 class). */
  attach(socket: Socket): void {
    this.#socket?.off('data', this.#onData)
    this.#socket = socket
    socket.on('data', this.#onData)
    socket.on('error', () => {})
  }

  detach(): void {
    this.#socket.off('data', this.#onData)
  }

  async line(): Promise<string> {
    const until = Date.now() + READ_MS
    for (;;) {
      const at = this.#buf.indexOf('\r\n')
      if (at !== -1) {
        const line = this.#buf.subarray(0, at).toString('latin1')
        this.#buf = this.#buf.subarray(at + 2)
        return line
      }
      if (Date.now() > until || this.#socket.destroyed) throw new Error('bare client: no reply')
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        setTimeout(resolve, 50)
      })
    }
  }

  async multiline(): Promise<string[]> {
    const out: string[] = []
    for (let l = await this.line(); l !== '.'; l = await this.line())
      out.push(l.startsWith('.') ? l.slice(1) : l)
    return out
  }

  command(line: string): Promise<string> {
    this.#socket.write(`${line}\r\n`)
    return this.line()
  }
}

async function capa(lines: Lines): Promise<string[]> {
  return (await lines.command('CAPA')).startsWith('+OK') ? lines.multiline() : []
}

/**
 * Connects the way a naive client does, to `server` as its clientEndpoint() describes. Does I/O.
 * Implicit TLS: TLS, greeting, CAPA. STARTTLS: greeting, CAPA, and STLS only if listed; `-ERR` or no
 * STLS means carrying on in cleartext; after `+OK` whatever is already buffered is kept.
 */
export async function bareConnect(server: FakePop3Server): Promise<BareSession> {
  const { host, port, transport, tls } = server.clientEndpoint()
  const secure = (socket?: Socket): Promise<TLSSocket> =>
    new Promise((resolve, reject) => {
      const options = { ca: tls.ca, servername: tls.servername }
      const s =
        socket === undefined ? tlsConnect({ host, port, ...options }) : tlsConnect({ socket, ...options })
      s.once('secureConnect', () => resolve(s))
      s.once('error', reject)
    })
  let lines: Lines
  let onTls = false
  let caps: string[] = []
  if (transport === 'implicit-tls') {
    lines = new Lines(await secure())
    onTls = true
    await lines.line()
  } else {
    const raw = netConnect({ host, port })
    lines = new Lines(raw)
    await lines.line()
    caps = await capa(lines)
    if (caps.includes('STLS') && (await lines.command('STLS')).startsWith('+OK')) {
      // A naive client lets the event loop run before its handshake; bytes trickling in meanwhile land
      // in the same buffer as everything before them.
      await new Promise((resolve) => setTimeout(resolve, 50))
      lines.detach()
      lines.attach(await secure(raw))
      onTls = true
    }
  }
  if (onTls) caps = await capa(lines) // the only thing it re-reads after the upgrade
  return {
    tls: onTls,
    caps,
    login: async (user, pass) => {
      await lines.command(`USER ${user}`)
      return lines.command(`PASS ${pass}`)
    },
    release: () => {
      lines.detach()
      return lines.socket
    },
    close: () => lines.socket.destroy(),
  }
}
