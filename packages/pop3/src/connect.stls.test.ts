// STARTTLS attack classes (spec-digest §2a-I) against the fake. Every test asserts on the server's
// byte log. Each attack has a contrast run: a deliberately unguarded client (test/pop3/bare-client.ts)
// against the same server receives the credentials or attacker-chosen "post-TLS" state, so the attack
// is real and the refusal is what stops it. The tripwire is also tested on its own, on a cleartext
// socket handed straight to login.
import type { TLSSocket } from 'node:tls'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_CAPA_BEFORE_TLS,
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../../../test/fakes/pop3-server.js'
import { bareConnect } from '../../../test/pop3/bare-client.js'
import { authenticate } from './auth.js'
import type { Session } from './connect.js'
import { deepStatusOf } from './framing.js'
import { Pop3Client, Pop3ErrorCode, type Pop3GateContext } from './index.js'
import type { SessionConfig } from './options.js'
import { Wire } from './wire.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(script: Omit<FakePop3Script, 'mode'>): Promise<FakePop3Server> {
  const server = await startFakePop3({ mode: 'starttls', ...script })
  servers.push(server)
  return server
}

const credentials = { user: FAKE_USER, pass: FAKE_PASS, mechanism: 'USER' } as const
const wire = (server: FakePop3Server) => server.commands.map((c) => `${c.phase} ${c.verb}`)

async function refusedConnect(server: FakePop3Server) {
  const gate = vi.fn(async (_: Pop3GateContext) => {})
  const error = await Pop3Client.connect({ ...server.clientEndpoint(), gate }).then(
    (client) => client.close(), // a regression: fail on the assertions below, not on a hung close
    (e: unknown) => e,
  )
  await server.connectionsClosed()
  return { error, gate }
}

describe('STLS stripping', () => {
  const stripped = ['TOP', 'UIDL', 'USER', 'SASL PLAIN']

  it('aborts with starttls_not_offered when the cleartext CAPA hides STLS, sending only CAPA', async () => {
    const server = await serve({ capaBeforeTls: stripped })
    const { error, gate } = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      anomaly: {
        code: 'starttls_not_offered',
        transport: 'starttls',
        step: 'CAPA',
        capsBeforeTls: stripped,
        greetingBeforeTls: 'POP3 fake ready',
        tlsErrorCode: undefined,
      },
    })
    expect(gate).not.toHaveBeenCalled()
    expect(wire(server)).toEqual(['plain CAPA'])
    expect(server.sawCredentials()).toBe(false)
  })

  it('treats a server that rejects CAPA like one without STLS', async () => {
    const server = await serve({ capaBeforeTls: 'err' })
    const { error } = await refusedConnect(server)
    expect(error).toMatchObject({ anomaly: { code: 'starttls_not_offered', capsBeforeTls: [] } })
    expect(server.sawCredentials()).toBe(false)
  })

  it('contrast: a client that carries on without STLS sends the password to the same server in cleartext', async () => {
    const server = await serve({ capaBeforeTls: stripped })
    const bare = await bareConnect(server)
    expect(bare.tls).toBe(false)
    await bare.login(FAKE_USER, FAKE_PASS)
    bare.close()
    expect(server.bytes('plain').toString()).toContain(`PASS ${FAKE_PASS}`)
    expect(server.sawCredentials()).toBe(true)
  })

  it('the tripwire alone refuses a login on the cleartext socket, sending nothing', async () => {
    const server = await serve({ capaBeforeTls: stripped })
    const socket = (await bareConnect(server)).release()
    // A session no connect sequence would build: what a future path that skipped STLS would hand to login.
    const session: Session = {
      socket: socket as TLSSocket,
      wire: new Wire(socket, false),
      options: { timeouts: { commandMs: 1000 } } as SessionConfig,
      capsAfterTls: [],
    }
    const error = await authenticate(session, credentials).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.GuardBypassed })
    // Says who reached auth and why it stopped: the bug report starts from this line.
    expect((error as Error).message).toBe(
      'Refusing to authenticate: POP3 login reached auth on a connection that is not an open TLS session.',
    )
    session.wire.destroy()
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
    expect(wire(server)).toEqual(['plain CAPA'])
  })
})

describe('STLS refused', () => {
  it('aborts with starttls_refused on -ERR and never surfaces the cleartext server text', async () => {
    const server = await serve({ stlsReply: '-ERR TLS unavailable, please log in anyway' })
    const { error, gate } = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      anomaly: { code: 'starttls_refused', step: 'STLS' },
    })
    expect((error as Error).message).not.toMatch(/log in anyway/)
    expect(error).toMatchObject({ serverText: undefined })
    expect(gate).not.toHaveBeenCalled()
    expect(wire(server)).toEqual(['plain CAPA', 'plain STLS'])
    expect(server.sawCredentials()).toBe(false)
  })

  it('contrast: a client that carries on after -ERR to STLS logs in in cleartext', async () => {
    const server = await serve({ stlsReply: '-ERR no' })
    const bare = await bareConnect(server)
    await bare.login(FAKE_USER, FAKE_PASS)
    bare.close()
    expect(server.commands.filter((c) => c.phase === 'plain').map((c) => c.verb)).toEqual([
      'CAPA',
      'STLS',
      'USER',
      'PASS',
    ])
  })
})

describe('response injection after STLS +OK', () => {
  const injected = '+OK\r\nUSER\r\nDEEP tls12 tls-cert <https://evil.example>\r\n.\r\n'

  it('aborts with bytes_after_starttls before any TLS byte when cleartext follows +OK in the same segment', async () => {
    const server = await serve({ injectAfterStls: injected })
    const { error, gate } = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      anomaly: { code: 'bytes_after_starttls', step: 'STLS', capsBeforeTls: DEFAULT_CAPA_BEFORE_TLS },
    })
    expect(gate).not.toHaveBeenCalled()
    expect(server.byteLog.every((e) => e.phase === 'plain')).toBe(true)
    expect(wire(server)).toEqual(['plain CAPA', 'plain STLS'])
    expect(server.sawCredentials()).toBe(false)
  })

  it('fails closed when the injected bytes trickle in one byte per segment', async () => {
    const server = await serve({ injectAfterStls: injected, segmentBytes: 1 })
    const { error, gate } = await refusedConnect(server)
    // Bytes the client saw before starting TLS are caught by the check; later ones corrupt the handshake.
    expect(error).toMatchObject({ code: Pop3ErrorCode.TlsUnavailable })
    expect(['bytes_after_starttls', 'tls_handshake_failed']).toContain(
      (error as { anomaly: { code: string } }).anomaly.code,
    )
    expect(gate).not.toHaveBeenCalled()
    expect(server.sawCredentials()).toBe(false)
  })

  it("contrast: a client that keeps the injected bytes reads the attacker's DEEP status as the post-TLS CAPA", async () => {
    const server = await serve({ injectAfterStls: injected, capaAfterTls: ['USER'] })
    const bare = await bareConnect(server)
    bare.close()
    expect(bare.tls).toBe(true)
    expect(deepStatusOf(bare.caps)).toBe('tls12 tls-cert <https://evil.example>')
  })
})

describe('state learned before TLS is discarded (RFC 2595 §4)', () => {
  it('passes only the CAPA read over TLS to the gate, the client and the mechanism choice', async () => {
    const before = ['STLS', 'SASL PLAIN XOAUTH2', 'USER', 'X-PRE-TLS']
    const after = ['USER', 'X-POST-TLS']
    const server = await serve({ capaBeforeTls: before, capaAfterTls: after })
    const seen: Pop3GateContext[] = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        seen.push(ctx)
      },
    })
    expect(seen[0]).toMatchObject({ capsBeforeTls: before, capsAfterTls: after })
    expect(client.capabilities).toEqual(after)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS }) // PLAIN was only offered in cleartext
    expect(wire(server)).toEqual(['plain CAPA', 'plain STLS', 'tls CAPA', 'tls USER', 'tls PASS'])
    await client.quit()
  })

  it('never reports a DEEP status that was only advertised before TLS', async () => {
    const server = await serve({ capaBeforeTls: ['STLS', 'DEEP tls12 tls-cert'], capaAfterTls: ['USER'] })
    const seen: Pop3GateContext[] = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        seen.push(ctx)
      },
    })
    expect(seen[0]?.capsBeforeTls).toContain('DEEP tls12 tls-cert')
    expect(seen[0]?.deepStatusAfterTls).toBeUndefined()
    client.close()
  })

  it('reports the DEEP status advertised over TLS verbatim, and an empty one as an empty string', async () => {
    for (const [line, status] of [
      [
        'DEEP tls12 tls-cert <https://status.example.test/mail>',
        'tls12 tls-cert <https://status.example.test/mail>',
      ],
      ['DEEP', ''],
    ] as const) {
      const server = await serve({ capaAfterTls: ['USER', line] })
      const seen: Pop3GateContext[] = []
      const client = await Pop3Client.connect({
        ...server.clientEndpoint(),
        gate: async (ctx) => {
          seen.push(ctx)
        },
      })
      expect(seen[0]?.deepStatusAfterTls).toBe(status)
      client.close()
    }
  })

  it('keeps pre-TLS greeting text out of error messages but records it sanitized in the anomaly', async () => {
    const server = await serve({
      greeting: '+OK \u001b[31mevil\u202e <img src=x onerror=alert(1)> banner',
      capaBeforeTls: ['USER'],
    })
    const { error } = await refusedConnect(server)
    expect((error as Error).message).not.toContain('evil')
    // Control bytes, bidi overrides and markup delimiters are gone (core's safeText).
    expect(error).toMatchObject({
      anomaly: { greetingBeforeTls: '[31mevil img src=x onerror=alert(1) banner' },
    })
  })
})
