// A byte-scripted IMAP server for the hostile-server tests (issue #13): a script drives one connection
// with raw writes, reads client lines, upgrades to TLS when it wants (STARTTLS, or implicit TLS from
// the first byte), waits for the raw ClientHello to answer it in plaintext, or resets the connection.
// Every byte the server receives is logged with the phase it arrived in ('plain', 'hello' for the raw
// ClientHello bytes it read itself, 'tls' for decrypted application data) so tests can assert what
// reached the wire. Binds 127.0.0.1 only; close() destroys every socket.
import { createServer, type Server, type Socket } from 'node:net'
import { createSecureContext, TLSSocket } from 'node:tls'
import type { Leaf } from '../support/certs.js'

export type WirePhase = 'plain' | 'hello' | 'tls'
export type WireChunk = { readonly phase: WirePhase; readonly bytes: Buffer }

export type HostileConn = {
  /** Writes raw bytes (latin1 strings) on the current leg: cleartext, or TLS once upgraded. */
  write(data: string | Buffer): void
  /** The next client line (without CRLF); rejects if the connection closes first. */
  line(): Promise<string>
  /** Wraps the connection in TLS as the server (call right after writing the STARTTLS OK). */
  startTls(): Promise<void>
  /** Reads the client's first raw bytes after the STARTTLS OK (its ClientHello) without doing TLS. */
  clientHello(): Promise<Buffer>
  /** Sends a TCP RST. */
  reset(): void
  /** Closes the connection (FIN). */
  end(): void
  readonly closed: Promise<void>
}

export type HostileServer = {
  readonly port: number
  readonly log: readonly WireChunk[]
  /** True if `needle` appears in what the server received (in `phase`, if given). */
  sawBytes(needle: string, phase?: WirePhase): boolean
  /** Client command names seen (upper-cased second word of each line), with their phase. */
  commands(): Array<{ phase: WirePhase; name: string }>
  close(): Promise<void>
}

export type HostileOptions = {
  /** TLS from the first byte (RFC 8314 implicit TLS). */
  readonly implicit?: boolean
  readonly leaf: Leaf
}

/** Starts the server; `script` runs once per accepted connection. Errors in the script are ignored. */
export async function startHostile(
  options: HostileOptions,
  script: (c: HostileConn) => Promise<void> | void,
): Promise<HostileServer> {
  const log: WireChunk[] = []
  const lines: Array<{ phase: WirePhase; line: string }> = []
  const open = new Set<Socket>()
  const ctx = createSecureContext({ key: options.leaf.key, cert: options.leaf.cert })

  function attach(raw: Socket): HostileConn {
    let current: Socket = raw
    let phase: WirePhase = 'plain'
    let buf = ''
    const waiting: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = []
    let ended = false
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()))
    const pump = (): void => {
      for (;;) {
        const end = buf.indexOf('\n')
        if (end === -1 || waiting.length === 0) return
        const line = buf.slice(0, end).replace(/\r$/, '')
        buf = buf.slice(end + 1)
        waiting.shift()?.resolve(line)
      }
    }
    const onData = (chunk: Buffer): void => {
      log.push({ phase, bytes: chunk })
      const text = chunk.toString('latin1')
      for (const l of text.split('\n')) if (l.trim() !== '') lines.push({ phase, line: l })
      buf += text
      pump()
    }
    const onClose = (): void => {
      ended = true
      for (const w of waiting.splice(0)) w.reject(new Error('closed'))
    }
    raw.on('data', onData)
    raw.once('close', onClose)
    raw.on('error', () => undefined)
    const conn: HostileConn = {
      write: (data) => {
        if (!current.destroyed) current.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
      },
      line: () =>
        ended
          ? Promise.reject(new Error('closed'))
          : new Promise((resolve, reject) => {
              waiting.push({ resolve, reject })
              pump()
            }),
      startTls: () =>
        new Promise<void>((resolve, reject) => {
          raw.off('data', onData)
          const secure = new TLSSocket(raw, { isServer: true, secureContext: ctx })
          secure.on('error', () => raw.destroy())
          secure.once('secure', () => {
            current = secure
            phase = 'tls'
            buf = ''
            secure.on('data', onData)
            resolve()
          })
          secure.once('close', () => reject(new Error('closed')))
        }),
      clientHello: () =>
        new Promise<Buffer>((resolve, reject) => {
          raw.off('data', onData)
          raw.once('data', (chunk: Buffer) => {
            log.push({ phase: 'hello', bytes: chunk })
            raw.on('data', onData)
            resolve(chunk)
          })
          raw.once('close', () => reject(new Error('closed')))
        }),
      reset: () => raw.resetAndDestroy(),
      end: () => {
        current.end()
      },
      closed,
    }
    return conn
  }

  const server: Server = createServer((raw) => {
    open.add(raw)
    raw.once('close', () => open.delete(raw))
    const conn = attach(raw)
    const run = async (): Promise<void> => {
      if (options.implicit === true) await conn.startTls()
      await script(conn)
    }
    run().catch(() => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    log,
    sawBytes: (needle, phase) =>
      Buffer.concat(log.filter((c) => phase === undefined || c.phase === phase).map((c) => c.bytes)).includes(
        Buffer.from(needle, 'latin1'),
      ),
    commands: () =>
      lines.flatMap(({ phase, line }) => {
        const name = /^\S+ (\S+)/.exec(line)?.[1]
        return name === undefined ? [] : [{ phase, name: name.toUpperCase() }]
      }),
    close: async () => {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * Serves a post-TLS session for `conn` until it closes: CAPABILITY, ID, LOGIN (with `loginReply` as
 * the text of its OK), and a plain OK for anything else. `onLogin` runs once LOGIN was answered.
 */
export async function servePostTls(
  conn: HostileConn,
  o: {
    readonly loginReply?: string
    readonly caps?: string
    readonly onLogin?: () => void
    /** While this returns true, read commands but answer nothing (the idle-timeout case). */
    readonly silent?: () => boolean
  } = {},
): Promise<void> {
  const caps = o.caps ?? 'IMAP4rev1 ID IDLE'
  for (;;) {
    const line = await conn.line().catch(() => undefined)
    if (line === undefined) return
    const [tag = '*', rawName = ''] = line.split(' ')
    const name = rawName.toUpperCase()
    if (o.silent?.() === true) continue
    if (name === 'CAPABILITY') conn.write(`* CAPABILITY ${caps}\r\n${tag} OK done\r\n`)
    else if (name === 'ID') conn.write(`* ID NIL\r\n${tag} OK done\r\n`)
    else if (name === 'LOGIN') {
      conn.write(`${tag} OK ${o.loginReply ?? `[CAPABILITY ${caps}] logged in`}\r\n`)
      o.onLogin?.()
    } else if (name === 'LOGOUT') {
      conn.write(`* BYE bye\r\n${tag} OK bye\r\n`)
      conn.end()
      return
    } else conn.write(`${tag} OK done\r\n`)
  }
}
