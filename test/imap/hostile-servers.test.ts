// Hostile servers (issue #13), byte-scripted: each case asserts the deadline (generous bounds only),
// the coded error, the sanitized report (no attacker words, markup or control bytes) and the server's
// byte log (no ID, no LOGIN, no credential before a passed check).
import { createHash } from 'node:crypto'
import { type Report, ReportSchema } from '@mua-sts/core'
import { FAKE_PASS } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { commit, pki } from './harness.js'
import { type HostileConn, type HostileServer, startHostile } from './hostile-server.js'

const TIMEOUT_MS = 500
/** Far above TIMEOUT_MS: proves the deadline bounds the connect without a tight timing assertion. */
const BOUND_MS = 3000
const GREETING_STARTTLS = '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function hostile(
  script: (c: HostileConn) => Promise<void> | void,
  implicit = false,
): Promise<HostileServer> {
  server = await startHostile({ leaf: pki.good, implicit }, script)
  return server
}

type Outcome = {
  error: Error & { code?: string; details?: Record<string, unknown>; report?: Report }
  ms: number
}

async function attempt(
  s: HostileServer,
  transport: 'starttls' | 'implicit-tls',
  extra: Record<string, unknown> = {},
) {
  const setup = await commit(s.port, { transport })
  const started = Date.now()
  const error = (await setup.connect({ timeoutMs: TIMEOUT_MS, ...extra }).then(
    (client) => {
      client.close()
      return new Error('connectImap resolved')
    },
    (e: unknown) => e,
  )) as Outcome['error']
  return { setup, error, ms: Date.now() - started }
}

/** Nothing identifying or secret reached the server. */
function expectNothingSent(s: HostileServer): void {
  expect(s.commands().map((c) => c.name)).not.toContain('ID')
  expect(s.commands().map((c) => c.name)).not.toContain('LOGIN')
  expect(s.commands().map((c) => c.name)).not.toContain('AUTHENTICATE')
  expect(s.sawBytes(FAKE_PASS)).toBe(false)
}

/** The report is schema-valid and carries none of the given words, no markup and no control bytes. */
function expectClean(report: Report | undefined, words: readonly string[]): Report {
  expect(report).toBeDefined()
  const r = ReportSchema.parse(report)
  const json = JSON.stringify(r)
  for (const w of words) expect(json).not.toContain(w)
  expect(json).not.toMatch(/[<>]|\\u00[01][0-9a-f]|\\u007f|\u001b/)
  return r
}

const sha256 = (s: string) => createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex')

describe('stalls end at the connect deadline with the phase named', () => {
  it('a server silent after its greeting: MUASTS_ERR_TIMEOUT in `capabilities`, stalled_before_tls report', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK hello\r\n')
      await c.closed
    })
    const { setup, error, ms } = await attempt(s, 'starttls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'capabilities' } })
    const report = expectClean(error.report, ['hello'])
    expect(report.violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    expect(setup.reports).toEqual([report])
    expect(setup.events).toEqual(['report', 'rejected'])
    expect(s.commands().map((c) => c.name)).toEqual(['CAPABILITY'])
    expectNothingSent(s)
  })

  it('a CAPABILITY trickle (solicited lines, never a tagged OK): stalled_before_tls at the deadline', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK hello\r\n')
      await c.line()
      const timer = setInterval(() => c.write('* CAPABILITY IMAP4rev1 STARTTLS\r\n'), 100)
      await c.closed
      clearInterval(timer)
    })
    const { error, ms } = await attempt(s, 'starttls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'capabilities' } })
    expect(expectClean(error.report, []).violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    expectNothingSent(s)
  })

  it('no reply to STARTTLS: stalled in `starttls`', async () => {
    const s = await hostile(async (c) => {
      c.write(GREETING_STARTTLS)
      await c.closed
    })
    const { error, ms } = await attempt(s, 'starttls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'starttls' } })
    expect(error.report?.violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    expectNothingSent(s)
  })

  it('an implicit-TLS server that never answers the ClientHello: a connection error in `handshake`', async () => {
    const s = await hostile(async (c) => {
      await c.clientHello()
      await c.closed
    })
    const { error, ms } = await attempt(s, 'implicit-tls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'handshake' } })
    // The host never sent a byte: an outage, never blamed as an attack (same rule on all three protocols).
    expect(error.report?.outcome).toBe('connection_error')
    expectNothingSent(s)
  })

  it('a server silent after a passed TLS check: a plain timeout in `identify`, no report', async () => {
    const s = await hostile(async (c) => {
      await c.closed
    }, true)
    const { setup, error, ms } = await attempt(s, 'implicit-tls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'identify' } })
    expect(error.report).toBeUndefined()
    expect(setup.reports).toEqual([])
  })

  it('a server that drips its post-TLS replies until after the deadline: timeout, no login', async () => {
    const s = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 ID] hi\r\n')
      const line = await c.line()
      const tag = line.split(' ')[0]
      const reply = `* ID NIL\r\n${tag} OK done\r\n`
      for (const ch of reply) {
        await new Promise((r) => setTimeout(r, 60))
        c.write(ch)
      }
      await c.closed
    }, true)
    const { error, ms } = await attempt(s, 'implicit-tls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT' })
    expect(s.sawBytes(FAKE_PASS)).toBe(false)
  })
})

describe('pre-TLS data is evidence, never content', () => {
  it('an unsolicited CAPABILITY after the greeting is untagged_before_tls; the greeting caps stay', async () => {
    const injected = '* CAPABILITY IMAP4rev1 XPWNEDCAP\r\n'
    const s = await hostile(async (c) => {
      c.write(GREETING_STARTTLS + injected)
      await c.closed
    })
    const { error, ms } = await attempt(s, 'starttls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    const report = expectClean(error.report, ['XPWNEDCAP'])
    expect(report.violations.map((v) => v.code)).toEqual(['untagged_before_tls'])
    expect(report.observed?.capsBeforeTls).toEqual(['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'])
    expect(report.observed?.evidence).toEqual([
      { kind: 'CAPABILITY', bytes: injected.length, sha256: sha256(injected) },
    ])
    expectNothingSent(s)
  })

  it('a CAPABILITY injected in front of the STARTTLS OK, in one segment, is untagged_before_tls', async () => {
    const s = await hostile(async (c) => {
      c.write(GREETING_STARTTLS)
      const tag = (await c.line()).split(' ')[0]
      c.write(`* CAPABILITY XPWNEDCAP\r\n${tag} OK go\r\n`)
      await c.closed
    })
    const { error } = await attempt(s, 'starttls')
    const report = expectClean(error.report, ['XPWNEDCAP'])
    expect(report.violations.map((v) => v.code)).toEqual(['untagged_before_tls'])
    expect(report.violations.map((v) => v.code)).not.toContain('starttls_not_offered')
    expect(report.observed?.capsBeforeTls).toContain('STARTTLS')
    expectNothingSent(s)
  })

  it('markup and terminal escapes before TLS never reach the report or the error message', async () => {
    const s = await hostile(async (c) => {
      c.write(
        '* OK [CAPABILITY IMAP4rev1 <img/src=x/onerror=alert(1)> \x1b]0;pwn\x07 AUTH=PLAIN] <b>hi</b>\x1b[2J\r\n',
      )
      await c.closed
    })
    const { error } = await attempt(s, 'starttls')
    const report = expectClean(error.report, ['onerror', 'pwn', 'hi</b>'])
    expect(report.violations.map((v) => v.code)).toEqual(['starttls_not_offered'])
    // The escape's `]` ends the CAPABILITY code early; what is left is filtered to grammar atoms.
    expect(report.observed?.capsBeforeTls).toEqual(['IMAP4rev1'])
    expect(error.message).not.toMatch(/[<>\u001b]|onerror|pwn/)
    expectNothingSent(s)
  })

  it('an unsolicited line with markup is kept as kind `line`, size and hash only', async () => {
    const line = '* XPWNED <script>alert(1)</script>\x1b[31m\r\n'
    const s = await hostile(async (c) => {
      c.write(GREETING_STARTTLS + line)
      await c.closed
    })
    const { error } = await attempt(s, 'starttls')
    const report = expectClean(error.report, ['XPWNED', 'script'])
    expect(report.observed?.evidence).toEqual([{ kind: 'line', bytes: line.length, sha256: sha256(line) }])
  })

  it('a tagged reply to a command not yet sent (reorder) is refused at once, not by timeout', async () => {
    const s = await hostile(async (c) => {
      c.write(`${GREETING_STARTTLS}1 OK Begin TLS negotiation now\r\n`)
      await c.closed
    })
    const { error, ms } = await attempt(s, 'starttls', { timeoutMs: 10_000 })
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    const report = expectClean(error.report, ['Begin'])
    expect(report.violations.map((v) => v.code)).toEqual(['untagged_before_tls'])
    expect(report.observed?.evidence?.map((e) => e.kind)).toEqual(['tagged'])
    expectNothingSent(s)
  })
})

describe('honest blame', () => {
  it('plaintext in reply to the ClientHello after STARTTLS is tls_handshake_failed, not an injection', async () => {
    const s = await hostile(async (c) => {
      c.write(GREETING_STARTTLS)
      const tag = (await c.line()).split(' ')[0]
      c.write(`${tag} OK go\r\n`)
      await c.clientHello()
      c.write('-ERR what is this\r\n')
      await c.closed
    })
    const { error, ms } = await attempt(s, 'starttls')
    expect(ms).toBeLessThan(BOUND_MS)
    expect(error.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    const report = expectClean(error.report, ['what is this'])
    expect(report.violations.map((v) => v.code)).toEqual(['tls_handshake_failed'])
    expect(report.violations[0]?.observed).toMatch(/^server did not speak TLS/)
    expectNothingSent(s)
  })

  it('plaintext in reply to the ClientHello on an implicit-TLS port is tls_handshake_failed', async () => {
    const s = await hostile(async (c) => {
      await c.clientHello()
      c.write('* OK plain IMAP here\r\n')
      await c.closed
    })
    const { error } = await attempt(s, 'implicit-tls')
    expect(expectClean(error.report, ['plain IMAP']).violations.map((v) => v.code)).toEqual([
      'tls_handshake_failed',
    ])
  })

  it.each([
    ['starttls', 'greeting'],
    ['implicit-tls', 'handshake'],
  ] as const)(
    'accept-then-close on a %s endpoint is a connection error in `%s`, never a violation',
    async (transport, phase) => {
      const s = await hostile((c) => c.end())
      const { setup, error, ms } = await attempt(s, transport)
      expect(ms).toBeLessThan(BOUND_MS)
      expect(error).toMatchObject({ code: 'MUASTS_ERR_CONNECTION', details: { phase } })
      expect(error.message).not.toMatch(/attack/i)
      const report = expectClean(error.report, [])
      expect(report).toMatchObject({ outcome: 'connection_error', violations: [], failure: { phase } })
      expect(setup.reports).toEqual([report])
    },
  )
})
