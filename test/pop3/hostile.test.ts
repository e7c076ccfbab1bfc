// Hostile POP3 servers, byte-scripted (issue #13): each case asserts the deadline (timeoutMs 500 →
// settled well under 3 s), the code, the sanitized report and the server's byte log (no USER, PASS or
// AUTH, and no credential byte, before a passed check).
import { isSdkError, type Report } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_PASS, FAKE_USER } from '../fakes/pop3-server.js'
import { type Action, HostileServer } from '../fuzz/hostile-server.js'
import { commit, pki } from './harness.js'

const TIMEOUT_MS = 500
const SETTLED_MS = 3_000
const PLAIN = Buffer.from(`\0${FAKE_USER}\0${FAKE_PASS}`).toString('base64')

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

type Outcome = {
  error: unknown
  client: { close(): void; stat(): Promise<unknown> } | undefined
  reports: Report[]
}

async function run(script: Action[], transport: 'starttls' | 'implicit-tls'): Promise<Outcome> {
  server = await HostileServer.start(script, pki.good)
  const setup = await commit(server.port, { transport })
  const started = Date.now()
  const result = await setup.connect({ timeoutMs: TIMEOUT_MS }).then(
    (client) => ({ client, error: undefined }),
    (error: unknown) => ({ client: undefined, error }),
  )
  expect(Date.now() - started).toBeLessThan(SETTLED_MS)
  if (result.error !== undefined) {
    // Whatever was reported was dispatched before the rejection, and is the one on the error.
    const report = (result.error as { report?: Report }).report
    expect(setup.reports).toEqual(report === undefined ? [] : [report])
  }
  return { ...result, reports: setup.reports }
}

function expectNoCredentials(s: HostileServer): void {
  const wire = s.bytes().toString('latin1')
  for (const secret of [FAKE_PASS, PLAIN]) expect(wire).not.toContain(secret)
  expect(wire).not.toMatch(/^(USER|PASS|AUTH|APOP)\b/im)
}

function expectSanitized(report: Report | undefined, ...words: string[]): void {
  const json = JSON.stringify(report)
  expect(json).not.toMatch(/[<>\u001b\u0007]/)
  for (const w of words) expect(json).not.toContain(w)
}

const codesOf = (r: Report | undefined) => r?.violations.map((v) => v.code)
const GREETING: Action = { do: 'send', bytes: '+OK hostile POP3\r\n' }
const CAPA_STLS: Action = { do: 'send', bytes: '+OK\r\nUSER\r\nSTLS\r\n.\r\n' }

describe('POP3 STLS against a hostile server', () => {
  it('reports stalled_before_tls when the server goes silent after the greeting', async () => {
    const o = await run([GREETING, { do: 'read' }], 'starttls')
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'capabilities' })
    expect(codesOf(o.reports[0])).toEqual(['stalled_before_tls'])
    expect(server?.lines('plain')).toEqual(['CAPA'])
    expectNoCredentials(server as HostileServer)
  })

  it('bounds a CAPA trickle by the connect deadline', async () => {
    const trickle = `+OK\r\n${Array.from({ length: 40 }, (_, i) => `X-CAP-${i}\r\n`).join('')}`
    const o = await run(
      [GREETING, { do: 'read' }, { do: 'drip', bytes: trickle, size: 6, everyMs: 40 }],
      'starttls',
    )
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect(codesOf(o.reports[0])).toEqual(['stalled_before_tls'])
    expectNoCredentials(server as HostileServer)
  })

  it.each([
    [
      'a CAPA reply sent with the greeting, before CAPA',
      [{ do: 'send', bytes: '+OK hi\r\n+OK\r\nSTLS\r\n.\r\n' }],
    ],
    [
      'the STLS reply sent before STLS (reorder)',
      [GREETING, { do: 'read' }, { do: 'send', bytes: '+OK\r\nSTLS\r\n.\r\n+OK begin\r\n' }],
    ],
  ] as const)('refuses %s as untagged_before_tls, evidence only', async (_, script) => {
    const o = await run([...script], 'starttls')
    expect(isSdkError(o.error, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
    const report = o.reports[0]
    expect(codesOf(report)).toEqual(['untagged_before_tls'])
    expect(report?.observed?.evidence).toEqual([
      { kind: 'line', bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ])
    expectSanitized(report, 'begin')
    expect(server?.lines('plain')).not.toContain('STLS')
    expectNoCredentials(server as HostileServer)
  })

  it('keeps markup and escapes out of the report', async () => {
    const o = await run(
      [
        { do: 'send', bytes: '+OK \u001b]0;pwned\u0007 <b>hi</b>\r\n' },
        { do: 'read' },
        {
          do: 'send',
          bytes: '+OK\r\nUSER\r\nX-<img/src=x/onerror=alert(1)>\r\nIMPLEMENTATION call +1-555-0100\r\n.\r\n',
        },
      ],
      'starttls',
    )
    const report = o.reports[0]
    expect(codesOf(report)).toEqual(['starttls_not_offered'])
    expect(report?.observed?.capsBeforeTls).toEqual(['USER', 'IMPLEMENTATION'])
    expectSanitized(report, 'onerror', 'pwned', '555')
    expect((o.error as Error).message).not.toMatch(/pwned|onerror|[<>]/)
    expectNoCredentials(server as HostileServer)
  })

  it('calls a plaintext answer to the ClientHello tls_handshake_failed, not an injection', async () => {
    const o = await run(
      [
        GREETING,
        { do: 'read' },
        CAPA_STLS,
        { do: 'read' },
        { do: 'send', bytes: '+OK begin\r\n' },
        { do: 'plaintextHello', bytes: '-ERR what?\r\n' },
      ],
      'starttls',
    )
    expect(codesOf(o.reports[0])).toEqual(['tls_handshake_failed'])
    expectNoCredentials(server as HostileServer)
  })

  it('reports accept-then-close as a connection error, never a violation', async () => {
    const o = await run([{ do: 'close' }], 'starttls')
    expect(isSdkError(o.error, 'MUASTS_ERR_CONNECTION')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'greeting' })
    expect(o.reports).toEqual([expect.objectContaining({ outcome: 'connection_error', violations: [] })])
  })
})

describe('POP3 implicit TLS against a hostile server', () => {
  const tlsThen = (...after: Action[]): Action[] => [{ do: 'tls' }, ...after]

  it('calls a plaintext answer to the ClientHello tls_handshake_failed', async () => {
    const o = await run([{ do: 'plaintextHello', bytes: '-ERR plaintext POP3\r\n' }], 'implicit-tls')
    expect(codesOf(o.reports[0])).toEqual(['tls_handshake_failed'])
  })

  it('reports accept-then-close as a connection error in the handshake phase', async () => {
    const o = await run([{ do: 'close' }], 'implicit-tls')
    expect(isSdkError(o.error, 'MUASTS_ERR_CONNECTION')).toBe(true)
    expect(o.reports).toEqual([
      expect.objectContaining({
        outcome: 'connection_error',
        failure: expect.objectContaining({ phase: 'handshake' }),
      }),
    ])
  })

  it('does not let a post-TLS CAPA drip hold connectPop3 past the deadline', async () => {
    const drip = `+OK\r\n${Array.from({ length: 60 }, (_, i) => `X${i}\r\n`).join('')}`
    const o = await run(
      tlsThen(GREETING, { do: 'read' }, { do: 'drip', bytes: drip, size: 3, everyMs: 40 }),
      'implicit-tls',
    )
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'identify' })
    expect(o.reports).toEqual([]) // the handshake passed its check: a stall after TLS is only a timeout
    expectNoCredentials(server as HostileServer)
  })

  it('turns a socket closed right after the handshake into a coded error', async () => {
    const o = await run(tlsThen({ do: 'reset' }), 'implicit-tls')
    expect(o.error).not.toBeInstanceOf(TypeError)
    expect(isSdkError(o.error), String(o.error)).toBe(true)
    expectNoCredentials(server as HostileServer)
  })

  it('survives a reset after login with no app error listener', async () => {
    const crashes: unknown[] = []
    const onCrash = (e: unknown): void => {
      crashes.push(e)
    }
    process.on('uncaughtException', onCrash)
    try {
      const o = await run(
        tlsThen(
          GREETING,
          { do: 'read' },
          { do: 'send', bytes: '+OK\r\nUSER\r\n.\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '+OK\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '+OK logged in\r\n' },
          { do: 'sleep', ms: 50 },
          { do: 'reset' },
        ),
        'implicit-tls',
      )
      expect(o.error).toBeUndefined()
      await new Promise((r) => setTimeout(r, 300)) // the reset lands on the idle, logged-in client
      expect(crashes).toEqual([])
      await expect(o.client?.stat()).rejects.toMatchObject({ code: 'MUASTS_ERR_POP3_CLOSED' })
      o.client?.close()
    } finally {
      process.off('uncaughtException', onCrash)
    }
  })
})
