// Failures that are NOT commitment violations: a server that never answers (at each step), a refused or
// closed TCP connection, broken framing and over-long lines. No commitment changes and no credential
// reaches the server. Honest blame (issue #13): a refused, reset or closed connection is a connection
// error with its own report kind (never worded as an attack), and so is a server that never sent a byte;
// a server that spoke and then stalled before TLS is `stalled_before_tls`, because that is what a
// stripping attacker does once stripping is detected (a slow server looks the same); after TLS (the
// handshake already checked) a stall or hang-up is only a coded error.
import { createServer } from 'node:net'
import { isSdkError, type Report } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakePop3Script, type FakePop3Server, startFakePop3 } from '../fakes/pop3-server.js'
import {
  ACCOUNT,
  type Committed,
  commit,
  expectFailedWithoutReport,
  expectNoCredentials,
  pki,
} from './harness.js'

/** The coded error carries the one report dispatched before the rejection; the commitment is unchanged. */
async function expectFailedWithReport(
  setup: Committed,
  attempt: Promise<unknown>,
  code: string,
): Promise<{ error: { code: string; details?: Record<string, unknown> }; report: Report }> {
  const error = await attempt.then(
    () => new Error('connectPop3 resolved, expected a failure'),
    (e: unknown) => e,
  )
  expect(isSdkError(error), String(error)).toBe(true)
  expect((error as { code: string }).code).toBe(code)
  const report = (error as { report?: Report }).report as Report
  expect(setup.events).toEqual(['report', 'rejected'])
  expect(setup.reports).toEqual([report])
  expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  return { error: error as { code: string }, report }
}

const FAST = { connectMs: 2000, greetingMs: 300, handshakeMs: 300, commandMs: 300 }

describe.each([
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const)('a %s commitment whose server misbehaves', (transport, mode) => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })
  const start = async (script: Omit<FakePop3Script, 'mode'>) => {
    server = await startFakePop3({ mode, leaf: pki.good, ...script })
    return commit(server.port, { transport })
  }

  it('times out when the server never sends the greeting', async () => {
    const setup = await start({ hang: 'greeting' })
    if (mode === 'implicit') {
      // After TLS (the handshake already passed the check): a coded timeout, nothing to report.
      const error = await expectFailedWithoutReport(
        setup,
        setup.connect({ timeouts: FAST }),
        'MUASTS_ERR_POP3_TIMEOUT',
      )
      expect(error).toMatchObject({ step: 'greeting' })
    } else {
      // Not one byte from the server: an outage as far as anyone can tell, reported as a connection
      // error (the same rule on IMAP and SMTP).
      const { error, report } = await expectFailedWithReport(
        setup,
        setup.connect({ timeouts: FAST }),
        'MUASTS_ERR_TIMEOUT',
      )
      expect(error.details).toMatchObject({ phase: 'greeting' })
      expect(report).toMatchObject({
        outcome: 'connection_error',
        violations: [],
        failure: { phase: 'greeting' },
      })
    }
    await expectNoCredentials(server)
  })

  it('times out when the server never answers CAPA', async () => {
    const setup = await start({ hang: ['CAPA'] })
    if (mode === 'implicit') {
      const error = await expectFailedWithoutReport(
        setup,
        setup.connect({ timeouts: FAST }),
        'MUASTS_ERR_POP3_TIMEOUT',
      )
      expect(error).toMatchObject({ step: 'CAPA' })
    } else {
      // It greeted, then went silent before TLS: the stripping attacker's stall, reported as such.
      const { error, report } = await expectFailedWithReport(
        setup,
        setup.connect({ timeouts: FAST }),
        'MUASTS_ERR_TIMEOUT',
      )
      expect(error.details).toMatchObject({ phase: 'capabilities' })
      expect(report.violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    }
    await expectNoCredentials(server)
  })

  it('rejects an over-long greeting line (RFC 2449 §4: 512 octets) as a protocol error', async () => {
    const setup = await start({ greeting: `+OK ${'x'.repeat(600)}` })
    await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_PROTOCOL')
    await expectNoCredentials(server)
  })

  it('rejects a CAPA response of unbounded size (over 16 KiB)', async () => {
    const huge = Array.from({ length: 200 }, (_, i) => `X-CAP-${i} ${'y'.repeat(100)}`)
    const setup = await start(
      mode === 'starttls' ? { capaBeforeTls: ['STLS', ...huge] } : { capaAfterTls: huge },
    )
    await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_TOO_LARGE')
    await expectNoCredentials(server)
  })

  it('rejects a CAPA line with control characters as a protocol error', async () => {
    const bad = ['USER', 'X-EVIL \u001b[2J']
    const setup = await start(
      mode === 'starttls' ? { capaBeforeTls: ['STLS', ...bad] } : { capaAfterTls: bad },
    )
    await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_PROTOCOL')
    await expectNoCredentials(server)
  })

  it('fails when the server hangs up on the first CAPA, before the gate', async () => {
    const setup = await start({ reply: () => 'close' })
    // The first CAPA is the cleartext one for STARTTLS, the post-TLS one for implicit TLS.
    if (mode === 'implicit') {
      await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_CLOSED')
    } else {
      const { error, report } = await expectFailedWithReport(setup, setup.connect(), 'MUASTS_ERR_CONNECTION')
      expect(error.details).toMatchObject({ phase: 'capabilities' })
      expect(report).toMatchObject({ outcome: 'connection_error', failure: { phase: 'capabilities' } })
    }
    await expectNoCredentials(server)
  })
})

describe('a STARTTLS server that never finishes the upgrade', () => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })

  it.each([
    ['answer STLS', { hang: ['STLS'] }, 'starttls'],
    ['start the TLS handshake after +OK', { hang: 'handshake' }, 'handshake'],
  ] as const)('reports stalled_before_tls when the server does not %s', async (_, script, phase) => {
    server = await startFakePop3({ mode: 'starttls', leaf: pki.good, ...script })
    const setup = await commit(server.port, { transport: 'starttls' })
    const { error, report } = await expectFailedWithReport(
      setup,
      setup.connect({ timeouts: FAST }),
      'MUASTS_ERR_TIMEOUT',
    )
    expect(error.details).toMatchObject({ phase })
    expect(report.violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    await expectNoCredentials(server)
  })
})

describe('an endpoint that is not there', () => {
  it('fails with a connection error report, never a violation, when the connection is refused', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => probe.once('listening', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve)) // the port is now closed
    const setup = await commit(port, { transport: 'implicit-tls' })
    const { error, report } = await expectFailedWithReport(setup, setup.connect(), 'MUASTS_ERR_CONNECTION')
    expect(error.details).toMatchObject({ phase: 'tcp', cause: 'ECONNREFUSED' })
    expect(report).toMatchObject({
      outcome: 'connection_error',
      action: 'connection_failed',
      violations: [],
      failure: { phase: 'tcp', code: 'MUASTS_ERR_CONNECTION', cause: 'ECONNREFUSED' },
    })
  })

  it('fails with NO_COMMITMENT before any I/O when the account has none for pop3', async () => {
    const setup = await commit(1, { transport: 'implicit-tls' })
    const error = await setup.connect({ account: 'acct_unknown' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_NO_COMMITMENT' })
    expect(setup.reports).toEqual([])
  })
})
