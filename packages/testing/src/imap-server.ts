// In-process adversarial IMAP server on 127.0.0.1:0 (tests, demo, users' tests). A declarative script
// decides the greeting (OK / PREAUTH / BYE, [ALERT]), the capabilities before and after TLS, the reply
// to STARTTLS, plaintext injected after "OK Begin TLS", the certificate and TLS versions, and the ID
// response (e.g. a DEEP status). It records every application byte it receives, tagged with the phase
// ('plain' before TLS, 'tls' after), and the parsed commands, so tests can assert what reached the wire.
// TLS handshake records themselves are not application data and are not recorded.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContextOptions,
  type SecureVersion,
  TLSSocket,
} from 'node:tls'
import { awaitClientHello } from './client-hello.js'

import type { Phase } from './phase.js'

export type ReceivedChunk = { readonly conn: number; readonly phase: Phase; readonly bytes: Buffer }
export type ImapCommand = {
  readonly conn: number
  readonly phase: Phase
  readonly tag: string
  /** Upper-cased; `UID FETCH` style for UID commands. */
  readonly name: string
  /** The rest of the command line, literals inlined. */
  readonly args: string
}

export type FakeImapScript = {
  readonly mode: 'implicit' | 'starttls'
  readonly leaf: { readonly key: string; readonly cert: string }
  readonly tls?: { minVersion?: SecureVersion; maxVersion?: SecureVersion; ciphers?: string }
  readonly greeting?: 'OK' | 'PREAUTH' | 'BYE'
  /** Sends `* OK [ALERT] <text>` as the greeting (no CAPABILITY code then). */
  readonly greetingAlert?: string
  /** Put a CAPABILITY response code on the greeting (default true). */
  readonly capsInGreeting?: boolean
  readonly capsBeforeTls?: readonly string[]
  readonly capsAfterTls?: readonly string[]
  /** Hang up right after the greeting (a dropped connection, not an attack). */
  readonly closeAfterGreeting?: boolean
  /** Raw lines (no CRLF) sent right after the greeting, e.g. `* ID ("deep" "tls12")`. */
  readonly afterGreeting?: readonly string[]
  readonly starttlsReply?: 'OK' | 'NO' | 'BAD'
  /** Plaintext sent after "OK Begin TLS": in the same write, or once the ClientHello arrived. */
  readonly inject?: { readonly data: string; readonly when: 'same-segment' | 'after-client-hello' }
  /** Fields of the `* ID` response; null answers `* ID NIL`. */
  readonly id?: Readonly<Record<string, string>> | null
  readonly user?: string
  readonly pass?: string
  readonly messages?: readonly string[]
}

export type FakeImapServer = {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly received: readonly ReceivedChunk[]
  commands(): ImapCommand[]
  /** True if any command with one of these names reached the server (in `phase`, if given). */
  sawAny(names: readonly string[], phase?: Phase): boolean
  /** True if these bytes appear in what the server received (in `phase`, if given). */
  sawBytes(needle: string, phase?: Phase): boolean
  readonly connections: number
  close(): Promise<void>
}

export const FAKE_USER = 'alice@example.test'
export const FAKE_PASS = 'fake-imap-password-9f3a'
const CAPS_BEFORE = ['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED', 'ID']
const CAPS_AFTER = ['IMAP4rev1', 'ID', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'AUTH=PLAIN']

type Conn = {
  readonly n: number
  socket: Socket
  phase: Phase
  buf: Buffer
  pending: { tag: string; name: string; line: string } | undefined
  literal: number
  sasl: { tag: string; mech: string } | undefined
  idling: string | undefined
}

function seqSet(spec: string, max: number): number[] {
  const out = new Set<number>()
  for (const part of spec.split(',')) {
    const [a, b] = part.split(':').map((x) => (x === '*' ? max : Number(x)))
    if (a === undefined || Number.isNaN(a)) continue
    const [lo, hi] = b === undefined || Number.isNaN(b) ? [a, a] : [Math.min(a, b), Math.max(a, b)]
    for (let i = Math.max(1, lo); i <= Math.min(hi, max); i++) out.add(i)
  }
  return [...out].sort((x, y) => x - y)
}

/** Starts the fake; resolves once it listens. */
export async function startFakeImap(script: FakeImapScript): Promise<FakeImapServer> {
  const received: ReceivedChunk[] = []
  const commands: ImapCommand[] = []
  const messages = [...(script.messages ?? [])]
  const open = new Set<Socket>()
  const idlers = new Set<Conn>()
  const user = script.user ?? FAKE_USER
  const pass = script.pass ?? FAKE_PASS
  let count = 0
  const ctxOptions: SecureContextOptions = { key: script.leaf.key, cert: script.leaf.cert, ...script.tls }
  const caps = (c: Conn): string =>
    (c.phase === 'plain' ? (script.capsBeforeTls ?? CAPS_BEFORE) : (script.capsAfterTls ?? CAPS_AFTER)).join(
      ' ',
    )
  const send = (c: Conn, ...lines: string[]): void => {
    if (!c.socket.destroyed) c.socket.write(lines.map((l) => `${l}\r\n`).join(''))
  }

  function greet(c: Conn): void {
    const kind = script.greeting ?? 'OK'
    if (script.greetingAlert !== undefined) send(c, `* OK [ALERT] ${script.greetingAlert}`)
    else if (kind === 'OK' && script.capsInGreeting !== false)
      send(c, `* OK [CAPABILITY ${caps(c)}] fake ready`)
    else send(c, `* ${kind} fake ${kind === 'BYE' ? 'going away' : 'ready'}`)
    for (const line of script.afterGreeting ?? []) send(c, line)
    if (kind === 'BYE' || script.closeAfterGreeting === true) c.socket.end()
  }

  function attach(c: Conn): void {
    c.socket.on('data', (chunk: Buffer) => {
      received.push({ conn: c.n, phase: c.phase, bytes: chunk })
      c.buf = Buffer.concat([c.buf, chunk])
      drain(c)
    })
    c.socket.on('error', () => c.socket.destroy())
  }

  function drain(c: Conn): void {
    for (;;) {
      if (c.literal > 0) {
        if (c.buf.length < c.literal) return
        const lit = c.buf.subarray(0, c.literal).toString('latin1')
        c.buf = c.buf.subarray(c.literal)
        c.literal = 0
        if (c.pending !== undefined) c.pending.line += lit
        continue
      }
      const end = c.buf.indexOf('\n')
      if (end === -1) return
      const line = c.buf.subarray(0, end).toString('latin1').replace(/\r$/, '')
      c.buf = c.buf.subarray(end + 1)
      if (!onLine(c, line)) return
    }
  }

  /** Returns false when the connection stopped reading lines (STARTTLS hand-over). */
  function onLine(c: Conn, line: string): boolean {
    if (c.idling !== undefined) {
      if (line.toUpperCase() === 'DONE') send(c, `${c.idling} OK IDLE terminated`)
      idlers.delete(c)
      c.idling = undefined
      return true
    }
    if (c.sasl !== undefined) {
      const { tag, mech } = c.sasl
      c.sasl = undefined
      finishAuth(c, tag, mech, line)
      return true
    }
    const lit = /\{(\d+)(\+?)\}$/.exec(line)
    if (c.pending !== undefined) c.pending.line += line
    else {
      const m = /^(\S+) (UID \S+|\S+)(?: (.*))?$/.exec(line)
      if (m === null) {
        send(c, '* BAD unparsable command')
        return true
      }
      c.pending = { tag: m[1] as string, name: (m[2] as string).toUpperCase(), line: m[3] ?? '' }
    }
    if (lit !== null) {
      c.literal = Number(lit[1])
      if (lit[2] !== '+') send(c, '+ go ahead')
      return true
    }
    const cmd = c.pending
    c.pending = undefined
    commands.push({ conn: c.n, phase: c.phase, tag: cmd.tag, name: cmd.name, args: cmd.line })
    return execute(c, cmd.tag, cmd.name, cmd.line)
  }

  function finishAuth(c: Conn, tag: string, mech: string, b64: string): void {
    const parts = Buffer.from(b64, 'base64').toString('utf8')
    const ok =
      mech === 'PLAIN'
        ? parts.split('\0').slice(1).join('\0') === `${user}\0${pass}`
        : parts.startsWith(`user=${user}\x01auth=Bearer `)
    send(c, ok ? `${tag} OK [CAPABILITY ${caps(c)}] authenticated` : `${tag} NO [AUTHENTICATIONFAILED] no`)
  }

  function select(c: Conn, tag: string): void {
    send(
      c,
      '* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)',
      `* ${messages.length} EXISTS`,
      '* 0 RECENT',
      '* OK [UIDVALIDITY 1] ok',
      `* OK [UIDNEXT ${messages.length + 1}] ok`,
      `${tag} OK [READ-WRITE] selected`,
    )
  }

  function fetch(c: Conn, tag: string, args: string, uid: boolean): void {
    const [set = '', ...rest] = args.split(' ')
    const items = rest.join(' ').toUpperCase()
    for (const i of seqSet(set, messages.length)) {
      const msg = messages[i - 1] ?? ''
      const parts = [`UID ${i}`, 'FLAGS ()']
      if (items.includes('RFC822.SIZE')) parts.push(`RFC822.SIZE ${Buffer.byteLength(msg)}`)
      if (items.includes('BODY')) parts.push(`BODY[] {${Buffer.byteLength(msg)}}\r\n${msg}`)
      send(c, `* ${i} FETCH (${parts.join(' ')})`)
    }
    send(c, `${tag} OK ${uid ? 'UID ' : ''}FETCH done`)
  }

  function starttls(c: Conn, tag: string): boolean {
    const reply = script.starttlsReply ?? 'OK'
    if (reply !== 'OK' || script.mode !== 'starttls' || c.phase !== 'plain') {
      send(c, `${tag} ${reply === 'OK' ? 'BAD' : reply} STARTTLS not now`)
      return true
    }
    const raw = c.socket
    raw.removeAllListeners('data')
    const ok = `${tag} OK Begin TLS negotiation now\r\n`
    if (script.inject?.when === 'after-client-hello') {
      raw.write(ok)
      // A separate segment, sent only after the client started its handshake.
      awaitClientHello(
        raw,
        () => raw.write(script.inject?.data ?? ''),
        (chunk) => {
          attach(c)
          raw.emit('data', chunk)
        },
      )
      return false
    }
    raw.write(script.inject?.when === 'same-segment' ? ok + script.inject.data : ok)
    c.buf = Buffer.alloc(0) // RFC 3207 §4.2 server side: nothing pipelined before TLS is executed
    awaitClientHello(
      raw,
      () => {
        const secure = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext(ctxOptions) })
        secure.on('error', () => raw.destroy())
        secure.once('secure', () => {
          c.socket = secure
          c.phase = 'tls'
          attach(c)
        })
      },
      // Cleartext where the ClientHello belongs: keep serving in plaintext so the log shows it all.
      (chunk) => {
        attach(c)
        raw.emit('data', chunk)
      },
    )
    return false
  }

  function execute(c: Conn, tag: string, name: string, args: string): boolean {
    switch (name) {
      case 'CAPABILITY':
        send(c, `* CAPABILITY ${caps(c)}`, `${tag} OK done`)
        break
      case 'STARTTLS':
        return starttls(c, tag)
      case 'ID': {
        const id = script.id === undefined ? { name: 'fake-imap' } : script.id
        const body =
          id === null
            ? 'NIL'
            : `(${Object.entries(id)
                .map(([k, v]) => `"${k}" "${v}"`)
                .join(' ')})`
        send(c, `* ID ${body}`, `${tag} OK ID done`)
        break
      }
      case 'LOGIN': {
        const ok = args === `"${user}" "${pass}"` || args === `${user} ${pass}`
        send(c, ok ? `${tag} OK [CAPABILITY ${caps(c)}] logged in` : `${tag} NO [AUTHENTICATIONFAILED] no`)
        break
      }
      case 'AUTHENTICATE': {
        const [mech = '', ir] = args.split(' ')
        if (ir !== undefined) finishAuth(c, tag, mech.toUpperCase(), ir)
        else {
          c.sasl = { tag, mech: mech.toUpperCase() }
          send(c, '+ ')
        }
        break
      }
      case 'NAMESPACE':
        send(c, '* NAMESPACE (("" "/")) NIL NIL', `${tag} OK done`)
        break
      case 'LIST':
        send(c, '* LIST (\\HasNoChildren) "/" INBOX', `${tag} OK done`)
        break
      case 'SELECT':
      case 'EXAMINE':
        select(c, tag)
        break
      case 'FETCH':
      case 'UID FETCH':
        fetch(c, tag, args, name === 'UID FETCH')
        break
      case 'APPEND': {
        const body = /\{\d+\+?\}(.*)$/s.exec(args)?.[1] ?? ''
        messages.push(body)
        send(c, `${tag} OK [APPENDUID 1 ${messages.length}] appended`)
        for (const idler of idlers) send(idler, `* ${messages.length} EXISTS`)
        break
      }
      case 'IDLE':
        c.idling = tag
        idlers.add(c)
        send(c, '+ idling')
        break
      case 'NOOP':
        send(c, `${tag} OK done`)
        break
      case 'LOGOUT':
        send(c, '* BYE logging out', `${tag} OK bye`)
        c.socket.end()
        return false
      default:
        send(c, `${tag} BAD unknown command`)
    }
    return true
  }

  function accept(socket: Socket, phase: Phase): void {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    const c: Conn = {
      n: ++count,
      socket,
      phase,
      buf: Buffer.alloc(0),
      pending: undefined,
      literal: 0,
      sasl: undefined,
      idling: undefined,
    }
    attach(c)
    greet(c)
  }

  let server: Server
  if (script.mode === 'implicit') {
    const s = createTlsServer(ctxOptions, (socket) => accept(socket, 'tls'))
    s.on('tlsClientError', (_e, socket) => socket.destroy())
    s.on('connection', (socket: Socket) => {
      open.add(socket)
      socket.once('close', () => open.delete(socket))
    })
    server = s
  } else {
    server = createTcpServer((socket) => accept(socket, 'plain'))
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  const inPhase = <T extends { phase: Phase }>(xs: readonly T[], phase?: Phase): T[] =>
    xs.filter((x) => phase === undefined || x.phase === phase)
  return {
    host: '127.0.0.1',
    port,
    received,
    commands: () => [...commands],
    sawAny: (names, phase) => inPhase(commands, phase).some((c) => names.includes(c.name)),
    sawBytes: (needle, phase) =>
      Buffer.concat(inPhase(received, phase).map((r) => r.bytes)).includes(Buffer.from(needle, 'latin1')),
    get connections() {
      return count
    },
    close: async () => {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
