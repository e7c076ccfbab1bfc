// In-process adversarial POP3 server (tests, demo, users' tests; house style H22): a declarative script, 127.0.0.1:0,
// implicit TLS or STLS, and a byte log of everything any client sent, tagged by phase. The script
// vocabulary and the session interpreter live in pop3-script.ts; this file owns the listener and logs.
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { createSecureContext } from 'node:tls'
import type { Phase } from './phase.js'
import {
  type ByteLogEntry,
  Connection,
  CREDENTIAL_VERBS,
  DEFAULT_ACCOUNTS,
  type FakeCommand,
  type FakeMessage,
  type FakePop3Script,
  type World,
} from './pop3-script.js'

export {
  type ByteLogEntry,
  DEFAULT_CAPA_AFTER_TLS,
  DEFAULT_CAPA_BEFORE_TLS,
  FAKE_PASS,
  FAKE_TOKEN,
  FAKE_USER,
  type FakeAccount,
  type FakeCommand,
  type FakeMessage,
  type FakePop3Script,
  type FakeReply,
} from './pop3-script.js'

export type FakePop3Server = {
  readonly host: '127.0.0.1'
  readonly port: number
  /** The CA that issued the leaf, as given in the script (for clientEndpoint()). */
  readonly caCert: string | undefined
  readonly byteLog: readonly ByteLogEntry[]
  readonly commands: readonly FakeCommand[]
  /** Messages still in the maildrop (QUIT in TRANSACTION applies DELE marks). */
  readonly mailbox: readonly FakeMessage[]
  /** Concatenated bytes received, optionally only one phase. */
  bytes(phase?: Phase): Buffer
  /** True if any USER/PASS/AUTH/APOP command or any account secret reached the server, in either phase. */
  sawCredentials(): boolean
  /** Endpoint fields for a client under test: this server, its transport, and trust in the test CA. */
  clientEndpoint(): {
    host: string
    port: number
    transport: 'implicit-tls' | 'starttls'
    tls: { ca: string; servername: string }
  }
  /** Resolves once every accepted connection has closed (so the logs are final). */
  connectionsClosed(): Promise<void>
  close(): Promise<void>
}

/** Starts a scripted fake POP3 server on 127.0.0.1 with an ephemeral port. */
export async function startFakePop3(script: FakePop3Script): Promise<FakePop3Server> {
  const leaf = script.leaf
  const world: World = {
    script,
    context: createSecureContext({
      key: leaf.key,
      cert: leaf.cert,
      ...(script.tlsMinVersion === undefined ? {} : { minVersion: script.tlsMinVersion }),
      ...(script.tlsMaxVersion === undefined ? {} : { maxVersion: script.tlsMaxVersion }),
      ...(script.ciphers === undefined ? {} : { ciphers: script.ciphers }),
    }),
    accounts: script.accounts ?? DEFAULT_ACCOUNTS,
    mailbox: [...(script.messages ?? [])],
    byteLog: [],
    commands: [],
  }
  let open = 0
  let nextId = 0
  const waiters: Array<() => void> = []
  const sockets = new Set<Socket>()
  const server = createServer((raw) => {
    open++
    sockets.add(raw)
    raw.on('close', () => {
      open--
      sockets.delete(raw)
      if (open === 0) for (const w of waiters.splice(0)) w()
    })
    new Connection(++nextId, raw, world)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('fake POP3 server has no TCP address')

  const bytes = (phase?: Phase): Buffer =>
    Buffer.concat(world.byteLog.filter((e) => phase === undefined || e.phase === phase).map((e) => e.bytes))
  return {
    host: '127.0.0.1',
    port: address.port,
    caCert: script.caCert,
    byteLog: world.byteLog,
    commands: world.commands,
    mailbox: world.mailbox,
    bytes,
    sawCredentials() {
      if (world.commands.some((c) => CREDENTIAL_VERBS.has(c.verb))) return true
      const secrets = world.accounts.flatMap((a) => [a.pass ?? [], a.token ?? []].flat())
      const streams = new Set(world.byteLog.map((e) => `${e.connection}/${e.phase}`))
      return [...streams].some((key) => {
        const parts = world.byteLog.filter((e) => `${e.connection}/${e.phase}` === key).map((e) => e.bytes)
        return secrets.some((secret) => Buffer.concat(parts).includes(secret))
      })
    },
    clientEndpoint() {
      const transport = script.mode === 'implicit' ? ('implicit-tls' as const) : ('starttls' as const)
      return {
        host: '127.0.0.1',
        port: address.port,
        transport,
        tls: { ca: script.caCert ?? '', servername: 'mail.example.test' },
      }
    },
    connectionsClosed() {
      return open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
      // Destroyed sockets close asynchronously; anyone still waiting is released once they have.
      if (open === 0) for (const w of waiters.splice(0)) w()
    },
  }
}
