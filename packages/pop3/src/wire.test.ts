// Framing, limits, timeouts and hang-ups as seen through the client. Every failure is coded, carries
// an anomaly exactly when it happened before TLS, and leaves no credential on the wire.
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPA_AFTER_TLS,
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../../../test/fakes/pop3-server.js'
import { Pop3Client, Pop3ErrorCode } from './index.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

type Step = 'greeting' | 'CAPA' | 'STLS' | 'handshake'
// A short deadline only for the step that is scripted to hang, so a slow CI machine cannot turn
// another step into a timeout.
// commandMs also bounds the CAPA that precedes STLS, so it gets more headroom than the other two.
function shortDeadlineFor(step: Step) {
  if (step === 'greeting') return { greetingMs: 300 }
  if (step === 'handshake') return { handshakeMs: 300 }
  return { commandMs: 1000 }
}

async function attempt(script: FakePop3Script, hangingStep?: Step) {
  const server = await startFakePop3(script)
  servers.push(server)
  const timeouts = hangingStep === undefined ? {} : shortDeadlineFor(hangingStep)
  const error = await Pop3Client.connect({ ...server.clientEndpoint(), timeouts, gate: async () => {} }).then(
    (client) => {
      client.close()
      return undefined
    },
    (e: unknown) => e,
  )
  await server.connectionsClosed()
  expect(server.sawCredentials()).toBe(false)
  return { error, server }
}

const huge = `+OK ${'x'.repeat(100_000)}`

describe('line limits (RFC 2449 §4: 512 octets incl. CRLF)', () => {
  it('accepts a 512-octet greeting and rejects a 513-octet one', async () => {
    const exact = `+OK ${'a'.repeat(512 - 6)}`
    expect((await attempt({ mode: 'starttls', greeting: exact })).error).toBeUndefined()
    const { error } = await attempt({ mode: 'starttls', greeting: `${exact}a` })
    expect(error).toMatchObject({
      code: Pop3ErrorCode.Protocol,
      anomaly: { code: 'protocol_error', step: 'greeting' },
    })
  })

  it('rejects a 100 KB cleartext greeting as a pre-TLS protocol error', async () => {
    const { error } = await attempt({ mode: 'starttls', greeting: huge })
    expect(error).toMatchObject({ code: Pop3ErrorCode.Protocol, anomaly: { code: 'protocol_error' } })
  })

  it('rejects a 100 KB greeting over implicit TLS as a post-TLS protocol error without an anomaly', async () => {
    const { error } = await attempt({ mode: 'implicit', greeting: huge })
    expect(error).toMatchObject({ code: Pop3ErrorCode.Protocol, anomaly: undefined })
  })

  it('rejects an over-long or non-ASCII CAPA line', async () => {
    for (const line of ['X'.repeat(600), 'SASL PLAIN\u0007', 'IMPLEMENTATION caf\u00e9']) {
      const { error } = await attempt({ mode: 'starttls', capaBeforeTls: ['STLS', line] })
      expect(error).toMatchObject({
        code: Pop3ErrorCode.Protocol,
        anomaly: { code: 'protocol_error', step: 'CAPA' },
      })
    }
  })

  it('rejects a CAPA response larger than 16 KiB', async () => {
    const caps = ['STLS', ...Array.from({ length: 400 }, (_, i) => `X-CAP-${i} ${'p'.repeat(40)}`)]
    const { error } = await attempt({ mode: 'starttls', capaBeforeTls: caps })
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TooLarge,
      anomaly: { code: 'protocol_error', step: 'CAPA' },
    })
  })
})

describe('malformed replies', () => {
  it.each([
    ['a greeting that is neither +OK nor -ERR', { greeting: Buffer.from('HELLO there\r\n') }],
    ['a lower-case status indicator', { greeting: Buffer.from('+ok ready\r\n') }],
    ['a status line with a NUL', { greeting: Buffer.from('+OK a\u0000b\r\n') }],
    ['a negative greeting', { greeting: '-ERR go away' }],
  ])('ends the session on %s with a pre-TLS protocol error', async (_, script) => {
    const { error } = await attempt({ mode: 'starttls', ...script })
    expect(error).toMatchObject({
      code: Pop3ErrorCode.Protocol,
      anomaly: { code: 'protocol_error', step: 'greeting' },
    })
  })

  it('ends the session when a reply is followed by bytes nobody asked for', async () => {
    const capa = `+OK\r\n${DEFAULT_CAPA_AFTER_TLS.map((c) => `${c}\r\n`).join('')}.\r\n`
    const { error } = await attempt({
      mode: 'implicit',
      reply: (c) => (c.verb === 'CAPA' ? `${capa}+OK extra\r\n` : undefined),
    })
    expect(error).toMatchObject({ code: Pop3ErrorCode.Protocol })
  })

  it('treats -ERR to the post-TLS CAPA as "no capabilities" and logs in with USER/PASS', async () => {
    const server = await startFakePop3({ mode: 'implicit', capaAfterTls: 'err' })
    servers.push(server)
    const client = await Pop3Client.connect({ ...server.clientEndpoint(), gate: async () => {} })
    expect(client.capabilities).toEqual([])
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    expect(server.commands.map((c) => c.verb)).toEqual(['CAPA', 'USER', 'PASS'])
    await client.quit()
  })

  it('rejects a malformed STAT reply without crashing', async () => {
    const server = await startFakePop3({
      mode: 'implicit',
      reply: (c) => (c.verb === 'STAT' ? '+OK lots 12\r\n' : undefined),
    })
    servers.push(server)
    const client = await Pop3Client.connect({ ...server.clientEndpoint(), gate: async () => {} })
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await expect(client.stat()).rejects.toMatchObject({ code: Pop3ErrorCode.Protocol, step: 'STAT' })
    await expect(client.noop()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
  })
})

describe('a server that never answers', () => {
  it.each([
    ['the greeting', { mode: 'starttls', hang: 'greeting' }, 'greeting'],
    ['the cleartext CAPA', { mode: 'starttls', hang: ['CAPA'] }, 'CAPA'],
    ['STLS', { mode: 'starttls', hang: ['STLS'] }, 'STLS'],
    ['the STLS handshake', { mode: 'starttls', hang: 'handshake' }, 'handshake'],
    ['the implicit TLS handshake', { mode: 'implicit', hang: 'handshake' }, 'handshake'],
  ] as const)('times out waiting for %s with a pre-TLS timeout anomaly', async (_, script, step) => {
    const { error } = await attempt(script, step)
    expect(error).toMatchObject({ code: Pop3ErrorCode.Timeout, step, anomaly: { code: 'timeout', step } })
  })

  it.each([
    ['the implicit TLS greeting', { mode: 'implicit', hang: 'greeting' }, 'greeting'],
    ['the CAPA over TLS', { mode: 'implicit', hang: ['CAPA'] }, 'CAPA'],
  ] as const)('times out waiting for %s without an anomaly (TLS was up)', async (_, script, step) => {
    const { error } = await attempt(script, step)
    expect(error).toMatchObject({ code: Pop3ErrorCode.Timeout, step, anomaly: undefined })
  })
})

describe('hang-ups', () => {
  it('reports a server that hangs up after the greeting as connection_closed', async () => {
    const { error } = await attempt({ mode: 'starttls', reply: () => 'close' })
    expect(error).toMatchObject({
      code: Pop3ErrorCode.Closed,
      anomaly: { code: 'connection_closed', step: 'CAPA' },
    })
  })

  it('reports a refused TCP connection as connection_failed', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => probe.once('listening', resolve))
    const address = probe.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    await new Promise((resolve) => probe.close(resolve))
    const error = await Pop3Client.connect({
      host: '127.0.0.1',
      port,
      transport: 'implicit-tls',
      gate: async () => {},
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.Closed,
      step: 'connect',
      anomaly: { code: 'connection_failed' },
    })
  })
})
