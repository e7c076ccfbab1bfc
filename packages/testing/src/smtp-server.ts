// An adversarial in-process SMTP submission server for the SMTP attack tests (house style H22). It is
// hand-rolled on net/tls so that it can misbehave in ways a real server library refuses to: hide or
// refuse STARTTLS, inject bytes after "220 Ready to start TLS", change capabilities across the upgrade,
// speak old TLS versions, present any certificate. It accepts AUTH and mail in any phase (an attacker
// wants them) and records every client byte with the phase it arrived in, plus parsed commands.
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls'
import { awaitClientHello } from './client-hello.js'

import type { Phase } from './phase.js'
import type { ClientCommand, ConnectionRecord, Delivered, FakeSmtpScript, WireChunk } from './smtp-script.js'

export type { ClientCommand, ConnectionRecord, Delivered, FakeSmtpScript, WireChunk } from './smtp-script.js'

export const FAKE_DOMAIN = 'fake.example.test'
const DEFAULT_BEFORE = ['PIPELINING', 'SIZE 10240000', 'STARTTLS', 'AUTH PLAIN LOGIN', '8BITMIME']
const DEFAULT_AFTER = ['PIPELINING', 'SIZE 10240000', 'AUTH PLAIN LOGIN XOAUTH2', '8BITMIME']
const ignore = (): void => {}

type AuthWait = { kind: 'plain' } | { kind: 'login-user' } | { kind: 'login-pass'; user: string }

/** One client connection: a tiny line-driven state machine over the current (plain or TLS) socket. */
class Connection {
  phase: Phase = 'plain'
  #socket: Socket
  #buf = ''
  #data: string[] | undefined
  #auth: AuthWait | undefined
  #stopped = false
  #from = ''
  #to: string[] = []

  constructor(
    readonly record: ConnectionRecord,
    raw: Socket,
    readonly server: FakeSmtpServer,
    readonly track: (socket: Socket) => void,
  ) {
    this.#socket = raw
  }

  start(): void {
    if (this.server.script.mode === 'implicit-tls') {
      this.#upgrade(() =>
        this.server.script.closeAfterHandshake === true ? this.#socket.destroy() : this.#greet(),
      )
    } else {
      this.#listen(this.#socket)
      this.#greet()
    }
  }

  #greet(): void {
    this.#write(this.server.script.greeting ?? `220 ${FAKE_DOMAIN} ESMTP fake`)
  }

  #write(line: string): void {
    if (!this.#socket.destroyed) this.#socket.write(`${line}\r\n`)
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.server.chunks.push({ conn: this.record.id, phase: this.phase, bytes: Buffer.from(chunk) })
      if (this.#stopped) return
      this.#buf += chunk.toString('latin1')
      this.#drain()
    })
  }

  #upgrade(then: () => void): void {
    const plain = this.#socket
    plain.removeAllListeners('data')
    awaitClientHello(
      plain,
      () => this.#wrap(plain, then),
      // Cleartext where the ClientHello belongs: keep serving in plaintext so the log shows it all.
      (chunk) => {
        this.#stopped = false
        this.#listen(plain)
        plain.emit('data', chunk)
      },
    )
  }

  #wrap(plain: Socket, then: () => void): void {
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.server.secureContext })
    this.track(secure)
    secure.on('error', (e: NodeJS.ErrnoException) => {
      this.record.tlsError ??= e.code ?? e.message
    })
    secure.once('secure', () => {
      this.record.tlsProtocol = secure.getProtocol() ?? undefined
      then()
    })
    this.#socket = secure
    this.phase = 'tls'
    this.#buf = ''
    this.#listen(secure)
  }

  #drain(): void {
    for (let end = this.#buf.indexOf('\r\n'); end !== -1 && !this.#stopped; end = this.#buf.indexOf('\r\n')) {
      const line = this.#buf.slice(0, end)
      this.#buf = this.#buf.slice(end + 2)
      this.#line(line)
    }
  }

  #line(line: string): void {
    if (this.#data !== undefined) {
      this.#dataLine(line)
      return
    }
    if (this.#auth !== undefined) {
      this.#authLine(line)
      return
    }
    const verb = (line.split(' ')[0] ?? '').toUpperCase()
    this.server.commands.push({ conn: this.record.id, phase: this.phase, line, verb })
    const arg = line.slice(verb.length + 1)
    switch (verb) {
      case 'EHLO':
        this.#ehlo()
        return
      case 'HELO':
        this.#write(`250 ${FAKE_DOMAIN}`)
        return
      case 'STARTTLS':
        this.#starttls()
        return
      case 'CLIENT':
        this.#write(this.server.script.clientReply ?? '250 2.0.0 OK')
        return
      case 'AUTH':
        this.#authStart(arg)
        return
      case 'MAIL':
        this.#from = /<([^>]*)>/.exec(arg)?.[1] ?? ''
        this.#to = []
        this.#write('250 2.1.0 Ok')
        return
      case 'RCPT':
        this.#to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '')
        this.#write('250 2.1.5 Ok')
        return
      case 'DATA':
        this.#data = []
        this.#write('354 End data with <CR><LF>.<CR><LF>')
        return
      case 'RSET':
      case 'NOOP':
        this.#write('250 2.0.0 Ok')
        return
      case 'QUIT':
        this.#write('221 2.0.0 Bye')
        this.#stopped = true
        this.#socket.end()
        return
      default:
        this.#write('502 5.5.2 Command not recognized')
        return
    }
  }

  #ehlo(): void {
    const s = this.server.script
    const caps =
      this.phase === 'plain' ? (s.ehloBeforeTls ?? DEFAULT_BEFORE) : (s.ehloAfterTls ?? DEFAULT_AFTER)
    if (caps === 'refuse') {
      this.#write('502 5.5.1 EHLO not accepted')
      return
    }
    const lines = [FAKE_DOMAIN, ...caps]
    this.#write(lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`).join('\r\n'))
  }

  #starttls(): void {
    const s = this.server.script
    if (this.phase === 'tls' || s.mode !== 'starttls') {
      this.#write('503 5.5.1 TLS already active')
      return
    }
    const reply = s.starttlsReply ?? '220 2.0.0 Ready to start TLS'
    this.#socket.write(`${reply}\r\n${s.injectAfterStarttls ?? ''}`)
    if (!reply.startsWith('220')) return
    if (s.injectAfterClientHello !== undefined) {
      const bytes = s.injectAfterClientHello
      this.#stopped = true
      this.#socket.once('data', () => this.#socket.write(bytes))
      return
    }
    // RFC 3207 §4.2: anything the client pipelined after STARTTLS is recorded, never executed.
    this.#stopped = true
    this.#upgrade(() => {
      this.#stopped = false
    })
  }

  #authStart(arg: string): void {
    const [mech = '', ir] = arg.split(' ')
    switch (mech.toUpperCase()) {
      case 'PLAIN':
        if (ir === undefined) {
          this.#auth = { kind: 'plain' }
          this.#write('334 ')
          return
        }
        this.#plain(ir)
        return
      case 'LOGIN':
        this.#auth = { kind: 'login-user' }
        this.#write('334 VXNlcm5hbWU6')
        return
      case 'XOAUTH2': {
        const [user = '', bearer = ''] = Buffer.from(ir ?? '', 'base64')
          .toString('utf8')
          .split('\x01')
        this.#verdict(user.slice(5), { accessToken: bearer.replace(/^auth=Bearer /, '') })
        return
      }
      default:
        this.#write('504 5.5.4 Unrecognized authentication type')
        return
    }
  }

  #authLine(line: string): void {
    const wait = this.#auth
    this.#auth = undefined
    this.server.commands.push({ conn: this.record.id, phase: this.phase, line, verb: '(sasl)' })
    if (wait?.kind === 'plain') {
      this.#plain(line)
      return
    }
    const text = Buffer.from(line, 'base64').toString('utf8')
    if (wait?.kind === 'login-user') {
      this.#auth = { kind: 'login-pass', user: text }
      this.#write('334 UGFzc3dvcmQ6')
      return
    }
    if (wait?.kind === 'login-pass') this.#verdict(wait.user, { pass: text })
  }

  #plain(ir: string): void {
    const [, user = '', pass = ''] = Buffer.from(ir, 'base64').toString('utf8').split('\0')
    this.#verdict(user, { pass })
  }

  #verdict(user: string, secret: { pass?: string; accessToken?: string }): void {
    const want = this.server.script.credentials
    const ok =
      want === undefined ||
      (want.user === user &&
        ((want.pass !== undefined && want.pass === secret.pass) ||
          (want.accessToken !== undefined && want.accessToken === secret.accessToken)))
    this.server.logins.push({ conn: this.record.id, phase: this.phase, user, ok })
    this.#write(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid')
  }

  #dataLine(line: string): void {
    if (line !== '.') {
      // RFC 5321 §4.5.2: remove one leading dot (transparency).
      this.#data?.push(line.startsWith('.') ? line.slice(1) : line)
      return
    }
    const data = Buffer.from(`${(this.#data ?? []).join('\r\n')}\r\n`, 'latin1')
    this.#data = undefined
    this.server.delivered.push({ conn: this.record.id, from: this.#from, to: this.#to, data })
    this.#write(`250 2.0.0 Ok: queued as FAKE${this.server.delivered.length}`)
  }
}

export type Login = {
  readonly conn: number
  readonly phase: Phase
  readonly user: string
  readonly ok: boolean
}

export class FakeSmtpServer {
  readonly host = '127.0.0.1'
  readonly chunks: WireChunk[] = []
  readonly commands: ClientCommand[] = []
  readonly delivered: Delivered[] = []
  readonly logins: Login[] = []
  readonly connections: ConnectionRecord[] = []
  /** The context new TLS sessions use; swapCertificate() replaces it (a re-keyed or hijacked server). */
  secureContext: SecureContext
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #changed: Array<() => void> = []

  private constructor(readonly script: FakeSmtpScript) {
    this.secureContext = createSecureContext({ key: script.leaf.key, cert: script.leaf.cert, ...script.tls })
    this.#server = createServer((raw) => this.#accept(raw))
  }

  /** Listens on 127.0.0.1:<kernel-chosen port>. Does I/O. */
  static async start(script: FakeSmtpScript): Promise<FakeSmtpServer> {
    const s = new FakeSmtpServer(script)
    s.#server.listen(0, '127.0.0.1')
    await once(s.#server, 'listening')
    return s
  }

  get port(): number {
    const a = this.#server.address()
    if (a === null || typeof a === 'string') throw new Error('fake SMTP server is not listening')
    return a.port
  }

  /** Presents `leaf` on every later TLS handshake (existing sessions keep theirs). */
  swapCertificate(leaf: { key: string; cert: string }): void {
    this.secureContext = createSecureContext({ key: leaf.key, cert: leaf.cert, ...this.script.tls })
  }

  /** Everything the client sent, concatenated, optionally only one phase. */
  clientBytes(phase?: Phase): Buffer {
    return Buffer.concat(
      this.chunks.filter((c) => phase === undefined || c.phase === phase).map((c) => c.bytes),
    )
  }

  /** Command verbs in arrival order, optionally only one phase ('(sasl)' marks SASL continuation lines). */
  verbs(phase?: Phase): string[] {
    return this.commands.filter((c) => phase === undefined || c.phase === phase).map((c) => c.verb)
  }

  /** Resolves once at least `count` connections were accepted and all of them are closed. */
  async settled(count = 1): Promise<void> {
    while (this.connections.length < count || this.connections.some((c) => !c.closed)) {
      await new Promise<void>((resolve) => this.#changed.push(resolve))
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(raw: Socket): void {
    const record: ConnectionRecord = { id: this.connections.length + 1, closed: false }
    this.connections.push(record)
    // After an upgrade the TLS socket owns the connection; whichever of the two closes first ends it.
    const track = (socket: Socket): void => {
      // Replies go out at once: Nagle plus delayed ACKs would add ~40 ms per round trip.
      socket.setNoDelay(true)
      this.#sockets.add(socket)
      socket.on('error', ignore)
      socket.once('close', () => {
        this.#sockets.delete(socket)
        if (record.closed) return
        record.closed = true
        this.#notify()
      })
    }
    track(raw)
    new Connection(record, raw, this, track).start()
    this.#notify()
  }

  #notify(): void {
    for (const wake of this.#changed.splice(0)) wake()
  }
}
