// What each cleartext refusal of the STLS sequence tells the app (RFC 2595 §4, RFC 2449 §5): the code,
// the step, a message that says what happened, and the anomaly the Guard reports, with evidence as
// kind + size + SHA-256 only. Every case also checks the server's log: nothing but CAPA and STLS was
// sent in cleartext, and no credential.
import { createHash } from 'node:crypto'
import { PRE_TLS_LIMITS } from '@mua-sts/transport'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_CAPA_BEFORE_TLS,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../../../test/fakes/pop3-server.js'
import { Pop3Client, Pop3ErrorCode, type Pop3GateContext } from './index.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(script: Omit<FakePop3Script, 'mode'>): Promise<FakePop3Server> {
  const server = await startFakePop3({ mode: 'starttls', ...script })
  servers.push(server)
  return server
}

const wire = (server: FakePop3Server) => server.commands.map((c) => `${c.phase} ${c.verb}`)
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex')

async function refusedConnect(server: FakePop3Server, timeouts?: { commandMs: number }) {
  const gate = vi.fn(async (_: Pop3GateContext) => {})
  const error = await Pop3Client.connect({
    ...server.clientEndpoint(),
    gate,
    ...(timeouts === undefined ? {} : { timeouts }),
  }).then(
    (client) => client.close(), // a regression: fail on the assertions below, not on a hung close
    (e: unknown) => e,
  )
  await server.connectionsClosed()
  expect(gate).not.toHaveBeenCalled()
  expect(server.sawCredentials()).toBe(false)
  return error as Error
}

describe('the STLS refusals say what happened', () => {
  it('a negative greeting: PROTOCOL at the greeting step, before any command', async () => {
    const server = await serve({ greeting: '-ERR [SYS/TEMP] busy, call +1-555-0100' })
    const error = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.Protocol,
      step: 'greeting',
      anomaly: { code: 'protocol_error', step: 'greeting', capsBeforeTls: [], evidence: [] },
    })
    // The server's words are attacker-controlled: only what happened, never what it said.
    expect(error.message).toBe('POP3 server greeting was negative')
    expect(wire(server)).toEqual([])
  })

  it('STLS missing from CAPA: TLS_UNAVAILABLE at the CAPA step, no evidence', async () => {
    const stripped = ['TOP', 'UIDL', 'USER']
    const server = await serve({ capaBeforeTls: stripped })
    const error = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      step: 'CAPA',
      anomaly: { code: 'starttls_not_offered', step: 'CAPA', capsBeforeTls: stripped, evidence: [] },
    })
    expect(error.message).toBe('POP3 server did not offer STLS; refusing to continue without TLS')
    expect(wire(server)).toEqual(['plain CAPA'])
  })

  it('-ERR to STLS: TLS_UNAVAILABLE at the STLS step, no evidence', async () => {
    const server = await serve({ stlsReply: '-ERR TLS unavailable' })
    const error = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      step: 'STLS',
      anomaly: {
        code: 'starttls_refused',
        step: 'STLS',
        capsBeforeTls: DEFAULT_CAPA_BEFORE_TLS,
        evidence: [],
      },
    })
    expect(error.message).toBe('POP3 server refused STLS; refusing to continue without TLS')
    expect(wire(server)).toEqual(['plain CAPA', 'plain STLS'])
  })

  it('bytes after the STLS +OK: the count in the message, the bytes as evidence of kind bytes', async () => {
    const injected = '+OK\r\nUSER\r\nDEEP tls12 tls-cert\r\n.\r\n'
    const server = await serve({ injectAfterStls: injected })
    const error = await refusedConnect(server)
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      step: 'STLS',
      anomaly: {
        code: 'bytes_after_starttls',
        step: 'STLS',
        evidence: [{ kind: 'bytes', bytes: injected.length, sha256: sha256(injected) }],
      },
    })
    expect(error.message).toBe(
      `POP3 server sent ${injected.length} octet(s) after the STLS reply before the TLS handshake; possible injection`,
    )
    expect(server.byteLog.every((e) => e.phase === 'plain')).toBe(true)
  })

  it('a cleartext CAPA that never answers: the timeout names the CAPA reply', async () => {
    const server = await serve({ hang: ['CAPA'] })
    const error = await refusedConnect(server, { commandMs: 200 })
    expect(error).toMatchObject({ code: Pop3ErrorCode.Timeout, step: 'CAPA', anomaly: { code: 'timeout' } })
    expect(error.message).toBe('POP3 CAPA reply timed out after 200 ms')
    expect(wire(server)).toEqual(['plain CAPA'])
  })

  it('a cleartext CAPA over 16 KiB: TOO_LARGE naming the CAPA reply and the cap, read no further', async () => {
    const huge = Array.from({ length: 200 }, (_, i) => `X-CAP-${i} ${'y'.repeat(100)}`)
    const server = await serve({ capaBeforeTls: ['STLS', ...huge] })
    const error = await refusedConnect(server)
    expect(error).toMatchObject({ code: Pop3ErrorCode.TooLarge, step: 'CAPA' })
    expect(error.message).toBe('POP3 CAPA reply exceeds 16384 octets')
    expect(wire(server)).toEqual(['plain CAPA'])
  })
})

describe('the pre-TLS line cap on CAPA (shared by all three protocols)', () => {
  const caps = (n: number) => ['STLS', ...Array.from({ length: n - 1 }, (_, i) => `X-CAP-${i}`)]

  it('refuses one capability line more than the cap as untagged_before_tls, before STLS', async () => {
    const flood = caps(PRE_TLS_LIMITS.maxLines + 1)
    const server = await serve({ capaBeforeTls: flood })
    const error = await refusedConnect(server)
    const lines = flood.join('\r\n')
    expect(error).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      step: 'CAPA',
      anomaly: {
        code: 'untagged_before_tls',
        step: 'CAPA',
        // Never read on: a flood is not recorded as the server's capabilities.
        capsBeforeTls: [],
        evidence: [{ kind: 'overflow', bytes: Buffer.byteLength(lines), sha256: sha256(lines) }],
      },
    })
    expect(error.message).toBe(
      'POP3 server listed more capabilities before TLS than the pre-TLS limit allows',
    )
    expect(wire(server)).toEqual(['plain CAPA'])
  })

  it('accepts a CAPA of exactly the cap and goes on to STLS', async () => {
    const full = caps(PRE_TLS_LIMITS.maxLines)
    const server = await serve({ capaBeforeTls: full })
    const seen: Pop3GateContext[] = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        seen.push(ctx)
      },
    })
    expect(seen[0]?.capsBeforeTls).toEqual(full)
    expect(wire(server)).toEqual(['plain CAPA', 'plain STLS', 'tls CAPA'])
    await client.quit()
  })
})
