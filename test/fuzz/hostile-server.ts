// A byte-scripted hostile server for one test case (issue #13): it plays exactly the bytes a script
// says, in the order it says, and logs every byte the client sent with the phase it arrived in. No
// protocol knowledge, so it can do what a real server library refuses to: answer before a command was
// sent, drip a reply one byte at a time, answer a ClientHello in plaintext, accept and close, or reset
// an authenticated session. The SMTP, POP3 and IMAP hostile-server tests and the fuzzer share it.
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls'

/** One step of a script. `$TAG` in sent bytes is replaced by the first word of the last line read. */
export type Action =
  /** Write these bytes (latin1) on the current socket. */
  | { readonly do: 'send'; readonly bytes: string }
  /** Write these bytes in `size`-byte pieces, one every `everyMs`. */
  | { readonly do: 'drip'; readonly bytes: string; readonly size: number; readonly everyMs: number }
  /** Wait until the client has sent `lines` more complete lines in the current phase (default 1). */
  | { readonly do: 'read'; readonly lines?: number }
  /** Wait until the client has sent a line exactly equal to `line` (e.g. the `.` ending SMTP DATA). */
  | { readonly do: 'readUntil'; readonly line: string }
  /** Wait for the client's first bytes; a TLS record starts a real handshake, anything else is logged. */
  | { readonly do: 'tls' }
  /** Wait for the client's first bytes, then answer them in plaintext (a server that does not speak TLS). */
  | { readonly do: 'plaintextHello'; readonly bytes: string }
  | { readonly do: 'sleep'; readonly ms: number }
  /** FIN. */
  | { readonly do: 'close' }
  /** RST (the client sees ECONNRESET). */
  | { readonly do: 'reset' }

export type Script = readonly Action[]

export type LogEntry = { readonly phase: 'plain' | 'tls'; readonly bytes: Buffer }

/**
 * One accepted connection: its log, and both ports (to match a guard check). Concurrent cases talk to
 * different servers, and the kernel may hand two of them the same client port at once (the 4-tuple
 * differs by the server port), so a check is matched on the pair, never the client port alone.
 */
export type HostileConnection = {
  readonly serverPort: number
  readonly clientPort: number
  readonly log: LogEntry[]
  /** Set once the TLS handshake completed. */
  tls: boolean
  /** Why the script stopped early, if it did (the client closed, a TLS error). */
  ended: string | undefined
}

const ignore = (): void => {}
const CRLF = Buffer.from('\r\n')

class Runner {
  /** The TCP socket: a reset must hit it even once TLS wraps it (a TLSSocket has no TCP handle). */
  readonly #raw: Socket
  #socket: Socket
  #phase: 'plain' | 'tls' = 'plain'
  #pending: Buffer = Buffer.alloc(0)
  /** Complete client lines, and how many of them the script has consumed with read/readUntil. */
  readonly #seen: string[] = []
  #consumed = 0
  #lastLine = ''
  #wake: (() => void) | undefined
  #closed = false
  #onClosed: () => void = ignore
  /** Resolves when the connection closed (ends a long sleep at once, so close() never waits on it). */
  readonly #closedSignal = new Promise<void>((resolve) => {
    this.#onClosed = resolve
  })
  #firstChunk: ((chunk: Buffer) => void) | undefined

  constructor(
    raw: Socket,
    readonly conn: HostileConnection,
    readonly context: SecureContext,
    readonly track: (s: Socket) => void,
  ) {
    this.#raw = raw
    this.#socket = raw
    raw.on('error', ignore)
    raw.on('close', () => {
      this.#closed = true
      this.#onClosed()
      this.#notify()
    })
    this.#listen(raw)
  }

  #listen(s: Socket): void {
    s.on('data', (chunk: Buffer) => {
      if (this.#firstChunk !== undefined) {
        const take = this.#firstChunk
        this.#firstChunk = undefined
        take(chunk)
        return
      }
      this.conn.log.push({ phase: this.#phase, bytes: Buffer.from(chunk) })
      this.#pending = Buffer.concat([this.#pending, chunk])
      for (let i = this.#pending.indexOf(CRLF); i !== -1; i = this.#pending.indexOf(CRLF)) {
        this.#seen.push(this.#pending.subarray(0, i).toString('latin1'))
        this.#pending = this.#pending.subarray(i + 2)
      }
      this.#notify()
    })
  }

  #notify(): void {
    const w = this.#wake
    this.#wake = undefined
    w?.()
  }

  #until(ready: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) resolve(true)
        else if (this.#closed) resolve(false)
        else this.#wake = check
      }
      check()
    })
  }

  async #sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), this.#closedSignal])
    clearTimeout(timer)
  }

  #consume(upTo: number): void {
    this.#consumed = upTo
    this.#lastLine = this.#seen[upTo - 1] ?? ''
  }

  #ended(): false {
    this.conn.ended ??= 'client closed'
    return false
  }

  #write(bytes: string): void {
    if (this.#closed || this.#socket.destroyed) return
    const tag = this.#lastLine.split(' ', 1)[0] ?? ''
    this.#socket.write(Buffer.from(bytes.replaceAll('$TAG', tag), 'latin1'))
  }

  async run(script: Script): Promise<void> {
    for (const a of script) {
      if (this.#closed) {
        this.conn.ended ??= 'client closed'
        return
      }
      if (!(await this.#step(a))) return
    }
  }

  async #step(a: Action): Promise<boolean> {
    switch (a.do) {
      case 'send':
        this.#write(a.bytes)
        return true
      case 'drip':
        for (let i = 0; i < a.bytes.length && !this.#closed; i += a.size) {
          this.#write(a.bytes.slice(i, i + a.size))
          await this.#sleep(a.everyMs)
        }
        return true
      case 'read': {
        const target = this.#consumed + (a.lines ?? 1)
        if (!(await this.#until(() => this.#seen.length >= target))) return this.#ended()
        this.#consume(target)
        return true
      }
      case 'readUntil': {
        const at = (): number => this.#seen.indexOf(a.line, this.#consumed)
        if (!(await this.#until(() => at() !== -1))) return this.#ended()
        this.#consume(at() + 1)
        return true
      }
      case 'sleep':
        await this.#sleep(a.ms)
        return true
      case 'close':
        this.#socket.end()
        return false
      case 'reset':
        if (this.#socket !== this.#raw) this.#socket.destroy()
        this.#raw.resetAndDestroy()
        return false
      case 'tls':
        return this.#tls()
      case 'plaintextHello': {
        const first = await this.#first()
        if (first === undefined) return false
        if (!first.logged) this.conn.log.push({ phase: this.#phase, bytes: first.chunk })
        this.#write(a.bytes)
        return true
      }
    }
  }

  /**
   * The client's next chunk, unparsed (it belongs to a handshake, not to the line log). Bytes already
   * received after the last complete line count as that chunk (they are in the log already).
   */
  #first(): Promise<{ chunk: Buffer; logged: boolean } | undefined> {
    if (this.#pending.length > 0) {
      const chunk = this.#pending
      this.#pending = Buffer.alloc(0)
      return Promise.resolve({ chunk, logged: true })
    }
    return new Promise((resolve) => {
      this.#firstChunk = (chunk) => resolve({ chunk, logged: false })
      const onClose = (): void => {
        this.#firstChunk = undefined
        resolve(undefined)
      }
      this.#socket.once('close', onClose)
    })
  }

  async #tls(): Promise<boolean> {
    const plain = this.#socket
    const first = await this.#first()
    if (first === undefined) {
      this.conn.ended ??= 'client closed before the handshake'
      return false
    }
    if (first.chunk[0] !== 0x16) {
      // Cleartext where a ClientHello belongs: exactly what the log must show.
      if (!first.logged) this.conn.log.push({ phase: 'plain', bytes: first.chunk })
      this.conn.ended = 'cleartext instead of a ClientHello'
      return false
    }
    plain.pause()
    plain.unshift(first.chunk)
    plain.removeAllListeners('data')
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.context })
    this.track(secure)
    secure.on('error', (e: NodeJS.ErrnoException) => {
      this.conn.ended ??= `tls: ${e.code ?? e.message}`
      this.#closed = true
      this.#notify()
    })
    secure.on('close', () => {
      this.#closed = true
      this.#notify()
    })
    this.#socket = secure
    this.#phase = 'tls'
    this.#pending = Buffer.alloc(0)
    this.#consumed = this.#seen.length // nothing sent in cleartext is read as a post-TLS line
    this.#listen(secure)
    const ok = await new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true))
      secure.once('close', () => resolve(false))
    })
    this.conn.tls = ok
    return ok
  }
}

/** A listening hostile server on 127.0.0.1:0 that plays `script` to every connection. */
export class HostileServer {
  readonly connections: HostileConnection[] = []
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #runs: Promise<void>[] = []
  port = 0

  private constructor(script: Script, context: SecureContext) {
    this.#server = createServer((raw) => {
      const conn: HostileConnection = {
        serverPort: raw.localPort ?? 0,
        clientPort: raw.remotePort ?? 0,
        log: [],
        tls: false,
        ended: undefined,
      }
      this.connections.push(conn)
      const track = (s: Socket): void => {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
      }
      track(raw)
      this.#runs.push(new Runner(raw, conn, context, track).run(script).catch(ignore))
    })
  }

  /** Starts listening. `leaf` is the certificate the server presents when the script says `tls`. */
  static async start(script: Script, leaf: { key: string; cert: string }): Promise<HostileServer> {
    const s = new HostileServer(script, createSecureContext({ key: leaf.key, cert: leaf.cert }))
    s.#server.listen(0, '127.0.0.1')
    await once(s.#server, 'listening')
    const address = s.#server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    s.port = address.port
    return s
  }

  /** Everything the client sent, optionally only in one phase, over all connections. */
  bytes(phase?: 'plain' | 'tls'): Buffer {
    return Buffer.concat(
      this.connections.flatMap((c) =>
        c.log.filter((e) => phase === undefined || e.phase === phase).map((e) => e.bytes),
      ),
    )
  }

  /** Client lines (CRLF-split, latin1) of one phase over all connections. */
  lines(phase: 'plain' | 'tls'): string[] {
    return this.bytes(phase)
      .toString('latin1')
      .split('\r\n')
      .filter((l) => l.length > 0)
  }

  /** Destroys every socket, stops listening, and waits for the scripts to end. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    this.#server.close()
    await Promise.all(this.#runs)
  }
}
