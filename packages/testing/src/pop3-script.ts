// The script vocabulary of the fake POP3 server and the per-connection interpreter that plays it:
// greeting, CAPA before and after STLS, the TLS upgrade, login, the TRANSACTION commands, and every
// scripted deviation (injection, segmentation, hangs). pop3-server.ts owns the listener and the logs.
// It is a witness, so it shares no code with the client under test and it logs whatever arrives:
// cleartext sent where TLS was expected is logged (and parsed) as 'plain', never silently dropped.
import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { setImmediate as tick } from 'node:timers/promises'
import { type SecureContext, type SecureVersion, TLSSocket } from 'node:tls'
import type { Phase } from './phase.js'

export type FakeMessage = { readonly body: string | Buffer; readonly uid?: string }
export type FakeAccount = { readonly user: string; readonly pass?: string; readonly token?: string }
export type FakeCommand = {
  readonly connection: number
  readonly phase: Phase
  readonly verb: string
  readonly line: string
}
export type ByteLogEntry = { readonly connection: number; readonly phase: Phase; readonly bytes: Buffer }
/**
 * Raw bytes to write (CRLF included); a list of chunks written one event-loop turn apart; 'hang' (never
 * answer); 'close'; or undefined for the default behaviour.
 */
export type FakeReply = string | Buffer | readonly (string | Buffer)[] | 'hang' | 'close' | undefined

export type FakePop3Script = {
  readonly mode: 'implicit' | 'starttls'
  /** Server certificate. */
  readonly leaf: { readonly key: string; readonly cert: string }
  /** The CA that issued `leaf`; only echoed back by clientEndpoint(). */
  readonly caCert?: string
  readonly tlsMinVersion?: SecureVersion
  readonly tlsMaxVersion?: SecureVersion
  /** E.g. 'DEFAULT@SECLEVEL=0' to offer TLS 1.1 under OpenSSL 3. */
  readonly ciphers?: string
  /** Greeting line without CRLF, or raw bytes (sent as-is). */
  readonly greeting?: string | Buffer
  readonly capaBeforeTls?: readonly string[] | 'err'
  readonly capaAfterTls?: readonly string[] | 'err'
  readonly stlsReply?: string
  /** Written in the same write as the STLS reply (response injection). */
  readonly injectAfterStls?: string | Buffer
  /** Split every reply into writes of this many bytes, one per event-loop turn. */
  readonly segmentBytes?: number
  /** Never send the greeting, never start TLS after STLS/for implicit, or never answer these verbs. */
  readonly hang?: 'greeting' | 'handshake' | readonly string[]
  readonly messages?: readonly FakeMessage[]
  readonly accounts?: readonly FakeAccount[]
  /** Scripted override, consulted first for every command line. */
  readonly reply?: (cmd: FakeCommand) => FakeReply
}

export const FAKE_USER = 'alice@example.test'
export const FAKE_PASS = 'correct horse battery staple'
export const FAKE_TOKEN = 'ya29.fake-access-token'
export const DEFAULT_ACCOUNTS: readonly FakeAccount[] = [
  { user: FAKE_USER, pass: FAKE_PASS, token: FAKE_TOKEN },
]
export const DEFAULT_CAPA_BEFORE_TLS = ['TOP', 'UIDL', 'RESP-CODES', 'STLS', 'SASL PLAIN XOAUTH2', 'USER']
export const DEFAULT_CAPA_AFTER_TLS = ['TOP', 'UIDL', 'RESP-CODES', 'SASL PLAIN XOAUTH2', 'USER']
export const CREDENTIAL_VERBS = new Set(['USER', 'PASS', 'AUTH', 'APOP'])

const ok = (text = ''): string => `+OK${text === '' ? '' : ` ${text}`}\r\n`
const err = (text: string): string => `-ERR ${text}\r\n`
const asBuffer = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b)

const multiLine = (head: string, lines: readonly string[]): string =>
  `${head}${lines.map((l) => `${l}\r\n`).join('')}.\r\n`

/** RFC 1939 §3 from the server side, written independently of the client's decoder. */
function stuff(body: Buffer): Buffer {
  const text = body.toString('latin1')
  const lines = (text === '' || text.endsWith('\r\n') ? text : `${text}\r\n`).split('\r\n').slice(0, -1)
  return Buffer.from(
    multiLine(
      '',
      lines.map((l) => (l.startsWith('.') ? `.${l}` : l)),
    ),
    'latin1',
  )
}

/** State shared by every connection of one fake server (the server creates it; connections mutate it). */
export type World = {
  script: FakePop3Script
  context: SecureContext
  accounts: readonly FakeAccount[]
  mailbox: FakeMessage[]
  byteLog: ByteLogEntry[]
  commands: FakeCommand[]
}

/** One accepted client connection, playing the script. */
export class Connection {
  #phase: 'plain' | 'await-tls' | 'tls' = 'plain'
  #tls: TLSSocket | undefined
  #feed: Duplex | undefined
  #pending = ''
  #queue: Promise<void> = Promise.resolve()
  #authed = false
  #user: string | undefined
  #sasl: 'PLAIN' | 'XOAUTH2' | 'XOAUTH2-FAILED' | undefined
  readonly #deleted = new Set<number>()

  constructor(
    readonly id: number,
    readonly raw: Socket,
    readonly w: World,
  ) {
    raw.on('data', (chunk: Buffer) => this.#onRaw(chunk))
    raw.on('error', () => {})
    if (w.script.mode === 'implicit') this.#phase = 'await-tls'
    else if (w.script.hang !== 'greeting') this.#send(this.#greeting(), 'raw')
  }

  #greeting(): Buffer {
    const g = this.w.script.greeting ?? 'POP3 fake ready'
    return typeof g === 'string'
      ? Buffer.from(g.startsWith('+') || g.startsWith('-') ? `${g}\r\n` : ok(g))
      : g
  }

  #onRaw(chunk: Buffer): void {
    if (this.#phase === 'tls') {
      this.#feed?.push(chunk)
    } else if (this.#phase === 'await-tls' && chunk[0] === 0x16) {
      if (this.w.script.hang !== 'handshake') this.#startTls(chunk)
    } else {
      this.#phase = 'plain' // cleartext where TLS was expected is still logged and parsed
      this.#text('plain', chunk)
    }
  }

  #startTls(first: Buffer): void {
    this.#phase = 'tls'
    this.#pending = ''
    const raw = this.raw
    const feed = new Duplex({
      read() {},
      write(c: Buffer, _e, cb) {
        raw.write(c, () => cb())
      },
      final(cb) {
        raw.end()
        cb()
      },
    })
    raw.on('end', () => feed.push(null))
    const tls = new TLSSocket(feed, { isServer: true, secureContext: this.w.context })
    tls.on('data', (c: Buffer) => this.#text('tls', c))
    tls.on('error', () => raw.destroy()) // e.g. the client rejected our certificate
    tls.on('secure', () => {
      if (this.w.script.mode === 'implicit' && this.w.script.hang !== 'greeting')
        this.#send(this.#greeting(), 'tls')
    })
    this.#tls = tls
    this.#feed = feed
    feed.push(first)
  }

  #text(phase: Phase, chunk: Buffer): void {
    this.w.byteLog.push({ connection: this.id, phase, bytes: Buffer.from(chunk) })
    this.#pending += chunk.toString('latin1')
    for (let nl = this.#pending.indexOf('\n'); nl !== -1; nl = this.#pending.indexOf('\n')) {
      const line = this.#pending.slice(0, nl).replace(/\r$/, '')
      this.#pending = this.#pending.slice(nl + 1)
      this.#line(phase, line)
    }
  }

  #send(data: string | Buffer, via: 'raw' | 'tls'): void {
    const bytes = asBuffer(data)
    const size = this.w.script.segmentBytes ?? bytes.length
    const target = via === 'tls' ? this.#tls : this.raw
    this.#queue = this.#queue.then(async () => {
      for (let i = 0; i < bytes.length; i += Math.max(1, size)) {
        if (target === undefined || target.destroyed) return
        target.write(bytes.subarray(i, i + Math.max(1, size)))
        if (size < bytes.length) await tick()
      }
      await tick() // separate writes stay separate segments
    })
  }

  #close(): void {
    this.#queue = this.#queue.then(() => {
      if (this.#tls === undefined) this.raw.end()
      else this.#tls.end()
    })
  }

  #line(phase: Phase, line: string): void {
    const verb = this.#sasl === undefined ? (line.split(' ')[0] ?? '').toUpperCase() : 'SASL-RESPONSE'
    const cmd: FakeCommand = { connection: this.id, phase, verb, line }
    this.w.commands.push(cmd)
    const via = phase === 'tls' ? 'tls' : 'raw'
    const scripted = this.w.script.reply?.(cmd)
    if (scripted === 'hang') return
    if (scripted === 'close') {
      this.#close()
      return
    }
    const hang = this.w.script.hang
    const reply =
      scripted ?? (Array.isArray(hang) && hang.includes(verb) ? undefined : this.#respond(phase, cmd))
    if (reply === undefined) return
    const chunks = Array.isArray(reply) ? reply : [reply as string | Buffer]
    for (const chunk of chunks) this.#send(chunk, via)
    const accepted = asBuffer(chunks[0] ?? '').toString('latin1', 0, 3) === '+OK'
    if (verb === 'STLS' && phase === 'plain' && accepted) {
      this.#phase = 'await-tls' // RFC 2595 §4: the next client byte must start the TLS handshake
    }
    if (verb === 'QUIT') this.#close()
  }

  #respond(phase: Phase, cmd: FakeCommand): string | Buffer {
    const s = this.w.script
    const args = cmd.line.split(' ').slice(1)
    if (this.#sasl !== undefined) return this.#saslStep(cmd.line)
    switch (cmd.verb) {
      case 'CAPA': {
        const caps = phase === 'plain' && s.mode === 'starttls' ? s.capaBeforeTls : s.capaAfterTls
        const list =
          caps ??
          (phase === 'plain' && s.mode === 'starttls' ? DEFAULT_CAPA_BEFORE_TLS : DEFAULT_CAPA_AFTER_TLS)
        return list === 'err' ? err('no CAPA') : multiLine(ok('capabilities follow'), list)
      }
      case 'STLS':
        if (s.mode !== 'starttls' || phase !== 'plain') return err('STLS not available')
        return Buffer.concat([
          asBuffer(`${s.stlsReply ?? '+OK begin TLS negotiation'}\r\n`),
          asBuffer(s.injectAfterStls ?? ''),
        ])
      case 'USER':
        this.#user = args.join(' ')
        return ok()
      case 'PASS':
        return this.#login(this.w.accounts.some((a) => a.user === this.#user && a.pass === args.join(' ')))
      case 'AUTH': {
        const mech = (args[0] ?? '').toUpperCase()
        if (mech !== 'PLAIN' && mech !== 'XOAUTH2') return err('unsupported mechanism')
        this.#sasl = mech
        return args[1] === undefined ? '+ \r\n' : this.#saslStep(args[1])
      }
      case 'QUIT':
        if (this.#authed) this.#applyDeletions()
        return ok('bye')
      default:
        return this.#transaction(cmd.verb, args)
    }
  }

  #login(success: boolean): string {
    this.#authed = success
    return success ? ok('logged in') : err('[AUTH] invalid credentials')
  }

  #saslStep(response: string): string {
    const mech = this.#sasl
    this.#sasl = undefined
    if (response === '*') return err('AUTH cancelled')
    if (mech === 'XOAUTH2-FAILED') return err('[AUTH] invalid token')
    const decoded = Buffer.from(response, 'base64').toString('utf8')
    if (mech === 'PLAIN') {
      const [, user, pass] = decoded.split('\u0000')
      return this.#login(this.w.accounts.some((a) => a.user === user && a.pass === pass))
    }
    const m = /^user=([^\u0001]*)\u0001auth=Bearer ([^\u0001]*)\u0001\u0001$/.exec(decoded)
    if (m !== null && this.w.accounts.some((a) => a.user === m[1] && a.token === m[2]))
      return this.#login(true)
    this.#sasl = 'XOAUTH2-FAILED'
    return `+ ${Buffer.from('{"status":"401","schemes":"bearer"}').toString('base64')}\r\n`
  }

  #transaction(verb: string, args: string[]): string | Buffer {
    const known = ['STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'RSET', 'NOOP']
    if (!known.includes(verb)) return err('unknown command')
    if (!this.#authed) return err('[AUTH] not authenticated')
    const visible = this.w.mailbox
      .map((m, i) => ({ n: i + 1, body: asBuffer(m.body), uid: m.uid ?? `uid-${i + 1}` }))
      .filter((m) => !this.#deleted.has(m.n))
    const msg = visible.find((m) => String(m.n) === args[0])
    if (args[0] !== undefined && msg === undefined && verb !== 'RSET' && verb !== 'NOOP')
      return err('no such message')
    switch (verb) {
      case 'STAT':
        return ok(`${visible.length} ${visible.reduce((t, m) => t + m.body.length, 0)}`)
      case 'LIST':
        if (msg !== undefined) return ok(`${msg.n} ${msg.body.length}`)
        return multiLine(
          ok(),
          visible.map((m) => `${m.n} ${m.body.length}`),
        )
      case 'UIDL':
        return msg !== undefined
          ? ok(`${msg.n} ${msg.uid}`)
          : multiLine(
              ok(),
              visible.map((m) => `${m.n} ${m.uid}`),
            )
      case 'RETR':
        if (msg === undefined) return err('message number required')
        return Buffer.concat([Buffer.from(ok(`${msg.body.length} octets`)), stuff(msg.body)])
      case 'TOP': {
        if (msg === undefined || args[1] === undefined) return err('usage: TOP n k')
        // Headers up to and including the blank line, then the first k body lines (RFC 1939 §7).
        const [head = '', ...body] = msg.body.toString('latin1').split('\r\n\r\n')
        const lines = body
          .join('\r\n\r\n')
          .split('\r\n')
          .slice(0, body.length === 0 ? 0 : Number(args[1]))
        return Buffer.concat([
          Buffer.from(ok()),
          stuff(Buffer.from(`${head}\r\n\r\n${lines.join('\r\n')}`, 'latin1')),
        ])
      }
      case 'DELE':
        if (msg === undefined) return err('message number required')
        this.#deleted.add(msg.n)
        return ok(`message ${msg.n} deleted`)
      case 'RSET':
        this.#deleted.clear()
        return ok()
      default:
        return ok()
    }
  }

  #applyDeletions(): void {
    const keep = this.w.mailbox.filter((_, i) => !this.#deleted.has(i + 1))
    this.w.mailbox.splice(0, this.w.mailbox.length, ...keep)
  }
}
