// Hostile submission servers, byte-scripted (issue #13): each case asserts the deadline (timeoutMs 500 →
// settled well under 3 s), the code, the sanitized report and the server's byte log (no AUTH, CLIENT or
// credential byte before a passed check).
import { isSdkError, type Report } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Action, HostileServer } from '../fuzz/hostile-server.js'
import { testPki } from '../support/certs.js'
import { type CommitmentShape, guardedFor, MESSAGE, PASS, USER } from './harness.js'

const pki = testPki()
const TIMEOUT_MS = 500
const SETTLED_MS = 3_000
const AUTH_PLAIN = Buffer.from(`\0${USER}\0${PASS}`).toString('base64')

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

type Outcome = { error: unknown; ms: number; reports: Report[] }

async function run(
  script: Action[],
  shape: CommitmentShape,
  op: 'verify' | 'send' = 'verify',
  extra: Record<string, unknown> = {},
): Promise<Outcome> {
  server = await HostileServer.start(script, pki.good)
  const g = await guardedFor(server, shape, { timeoutMs: TIMEOUT_MS, ...extra })
  const started = Date.now()
  const error = await (op === 'verify' ? g.mailer.verify() : g.mailer.sendMail(MESSAGE)).then(
    () => undefined,
    (e: unknown) => e,
  )
  const ms = Date.now() - started
  expect(ms).toBeLessThan(SETTLED_MS)
  return { error, ms, reports: g.reports }
}

/** No AUTH, CLIENT or credential reached the server, in either phase. */
function expectNoCredentials(s: HostileServer): void {
  const wire = s.bytes().toString('latin1')
  for (const secret of [PASS, AUTH_PLAIN, Buffer.from(PASS).toString('base64')])
    expect(wire).not.toContain(secret)
  expect(wire).not.toMatch(/^(AUTH|CLIENT|MAIL FROM)/im)
}

/** Nothing an attacker wrote survives in the report (no markup, escapes, or their words). */
function expectSanitized(report: Report | undefined, ...words: string[]): void {
  const json = JSON.stringify(report)
  expect(json).not.toMatch(/[<>\u001b\u0007]/)
  for (const w of words) expect(json).not.toContain(w)
}

const codesOf = (r: Report | undefined) => r?.violations.map((v) => v.code)
const GREETING: Action = { do: 'send', bytes: '220 hostile ESMTP\r\n' }
const EHLO_OK: Action = { do: 'send', bytes: '250-hostile\r\n250-PIPELINING\r\n250 STARTTLS\r\n' }
const STARTTLS = 'starttls' as const
const IMPLICIT = 'implicit-tls' as const

describe('SMTP STARTTLS against a hostile server', () => {
  it('reports stalled_before_tls when the server goes silent after the greeting', async () => {
    const o = await run([GREETING, { do: 'read' }], { transport: STARTTLS })
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'capabilities' })
    expect(codesOf(o.reports[0])).toEqual(['stalled_before_tls'])
    expect((o.error as { report?: unknown }).report).toEqual(o.reports[0])
    expect(server?.lines('plain')).toEqual(['EHLO [127.0.0.1]'])
    expectNoCredentials(server as HostileServer)
  })

  it('bounds a capability trickle by the connect deadline', async () => {
    const trickle = Array.from({ length: 40 }, (_, i) => `250-X-CAP-${i}\r\n`).join('')
    const o = await run([GREETING, { do: 'read' }, { do: 'drip', bytes: trickle, size: 12, everyMs: 50 }], {
      transport: STARTTLS,
    })
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect(codesOf(o.reports[0])).toEqual(['stalled_before_tls'])
    expectNoCredentials(server as HostileServer)
  })

  it.each([
    ['a reply sent with the greeting, before EHLO', [{ do: 'send', bytes: '220 hi\r\n250 AUTH PLAIN\r\n' }]],
    [
      'an extra reply riding on the EHLO reply',
      [GREETING, { do: 'read' }, { do: 'send', bytes: '250-hostile\r\n250 STARTTLS\r\n250 AUTH PLAIN\r\n' }],
    ],
    [
      'the STARTTLS reply sent before STARTTLS (reorder)',
      [GREETING, { do: 'read' }, { do: 'send', bytes: '250-hostile\r\n250 STARTTLS\r\n220 go ahead\r\n' }],
    ],
  ] as const)('refuses %s as untagged_before_tls, evidence only', async (_, script) => {
    const o = await run([...script], { transport: STARTTLS })
    expect(isSdkError(o.error, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
    const report = o.reports[0]
    expect(codesOf(report)).toEqual(['untagged_before_tls'])
    expect(report?.observed?.evidence).toEqual([
      { kind: 'REPLY', bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ])
    expectSanitized(report, 'AUTH PLAIN', 'go ahead')
    expect(server?.lines('plain')).not.toContain('STARTTLS')
    expectNoCredentials(server as HostileServer)
  })

  it('keeps markup and escapes out of the report and the error message', async () => {
    const o = await run(
      [
        GREETING,
        { do: 'read' },
        {
          do: 'send',
          bytes: '250-hostile\r\n250-<img/src=x/onerror=alert(1)>\r\n250 XPWN "quoted" prose\r\n',
        },
      ],
      { transport: STARTTLS },
    )
    const report = o.reports[0]
    expect(codesOf(report)).toEqual(['starttls_not_offered'])
    // The first EHLO line greets; of the extensions only grammar-checked atoms are kept.
    expect(report?.observed?.capsBeforeTls).toEqual(['XPWN'])
    expectSanitized(report, 'onerror', 'quoted', 'prose')
    expect((o.error as Error).message).not.toMatch(/onerror|[<>]/)
    expectNoCredentials(server as HostileServer)
  })

  it('never puts terminal escapes from the greeting into the error message', async () => {
    const o = await run([{ do: 'send', bytes: '554 \u001b]0;pwned\u0007 call +1-555-0100\r\n' }], {
      transport: STARTTLS,
    })
    expect(isSdkError(o.error, 'MUASTS_ERR_PROTOCOL')).toBe(true)
    expect((o.error as Error).message).not.toMatch(/pwned|555|\u001b/)
    expectNoCredentials(server as HostileServer)
  })

  it('calls a plaintext answer to the ClientHello tls_handshake_failed, not an injection', async () => {
    const o = await run(
      [
        GREETING,
        { do: 'read' },
        EHLO_OK,
        { do: 'read' },
        { do: 'send', bytes: '220 go\r\n' },
        { do: 'plaintextHello', bytes: '500 what?\r\n' },
      ],
      { transport: STARTTLS },
    )
    expect(codesOf(o.reports[0])).toEqual(['tls_handshake_failed'])
    expectNoCredentials(server as HostileServer)
  })

  it('reports accept-then-close as a connection error, never a violation', async () => {
    const o = await run([{ do: 'close' }], { transport: STARTTLS })
    expect(isSdkError(o.error, 'MUASTS_ERR_CONNECTION')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'greeting' })
    expect(o.reports).toEqual([expect.objectContaining({ outcome: 'connection_error', violations: [] })])
    expectNoCredentials(server as HostileServer)
  })
})

describe('SMTP implicit TLS against a hostile server', () => {
  const tlsThen = (...after: Action[]): Action[] => [{ do: 'tls' }, ...after]

  it('calls a plaintext answer to the ClientHello tls_handshake_failed', async () => {
    const o = await run([{ do: 'plaintextHello', bytes: '220 plaintext ESMTP\r\n' }], { transport: IMPLICIT })
    expect(codesOf(o.reports[0])).toEqual(['tls_handshake_failed'])
    expectNoCredentials(server as HostileServer)
  })

  it('reports accept-then-close as a connection error in the handshake phase', async () => {
    const o = await run([{ do: 'close' }], { transport: IMPLICIT })
    expect(isSdkError(o.error, 'MUASTS_ERR_CONNECTION')).toBe(true)
    expect(o.reports).toEqual([
      expect.objectContaining({
        outcome: 'connection_error',
        failure: expect.objectContaining({ phase: 'handshake' }),
      }),
    ])
  })

  it('does not let a post-TLS EHLO drip hold verify() past the deadline', async () => {
    const drip = Array.from({ length: 60 }, (_, i) => `250-X${i}\r\n`).join('')
    const o = await run(
      tlsThen(
        { do: 'send', bytes: '220 ok\r\n' },
        { do: 'read' },
        { do: 'drip', bytes: drip, size: 4, everyMs: 40 },
      ),
      { transport: IMPLICIT },
    )
    expect(isSdkError(o.error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect((o.error as { details?: unknown }).details).toMatchObject({ phase: 'identify' })
    expect(o.reports).toEqual([]) // the handshake itself passed: a stall after TLS is only a timeout
    expectNoCredentials(server as HostileServer)
  })

  it('turns a socket closed right after the EHLO reply into a coded error, never a TypeError', async () => {
    const o = await run(
      tlsThen(
        { do: 'send', bytes: '220 ok\r\n' },
        { do: 'read' },
        { do: 'send', bytes: '250-ok\r\n250 AUTH PLAIN\r\n' },
        { do: 'reset' },
      ),
      { transport: IMPLICIT },
    )
    expect(o.error).not.toBeInstanceOf(TypeError)
    expect(isSdkError(o.error), String(o.error)).toBe(true)
    expect(['MUASTS_ERR_CONNECTION', 'MUASTS_ERR_AUTH_FAILED']).toContain((o.error as { code: string }).code)
  })

  it('survives a reset of an idle pooled session with no app error listener', async () => {
    const crashes: unknown[] = []
    const onCrash = (e: unknown): void => {
      crashes.push(e)
    }
    process.on('uncaughtException', onCrash)
    try {
      const o = await run(
        tlsThen(
          { do: 'send', bytes: '220 ok\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '250-ok\r\n250 AUTH PLAIN\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '235 2.7.0 ok\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '250 ok\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '250 ok\r\n' },
          { do: 'read' },
          { do: 'send', bytes: '354 go\r\n' },
          { do: 'readUntil', line: '.' },
          { do: 'send', bytes: '250 queued\r\n' },
          { do: 'sleep', ms: 50 },
          { do: 'reset' },
        ),
        { transport: IMPLICIT },
        'send',
        { pool: true },
      )
      expect(o.error).toBeUndefined() // the message went through, on a passed connection
      await new Promise((r) => setTimeout(r, 300)) // the reset lands on the idle pooled session
      expect(crashes).toEqual([])
    } finally {
      process.off('uncaughtException', onCrash)
    }
  })
})
