// Failures that are NOT violations: a server that never answers (at each step), a refused or closed TCP
// connection, broken framing and over-long lines. connectPop3 rejects with the coded Pop3Error, emits
// no report, changes no commitment, and no credential reaches the server. A timeout or a hang-up is
// indistinguishable from an outage, so it is not reported as an attack; the session still fails closed.
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakePop3Script, type FakePop3Server, startFakePop3 } from '../fakes/pop3-server.js'
import { commit, expectFailedWithoutReport, expectNoCredentials, pki } from './harness.js'

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

  it.each([
    ['the greeting', { hang: 'greeting' }, 'greeting'],
    ['CAPA', { hang: ['CAPA'] }, 'CAPA'],
  ] as const)('times out when the server never sends %s, without a report', async (_, script, step) => {
    const setup = await start(script)
    const error = await expectFailedWithoutReport(
      setup,
      setup.connect({ timeouts: FAST }),
      'MUASTS_ERR_POP3_TIMEOUT',
    )
    expect(error).toMatchObject({ step })
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

  it('fails with CLOSED when the server hangs up on the first CAPA, before the gate', async () => {
    const setup = await start({ reply: () => 'close' })
    const error = await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_CLOSED')
    // The first CAPA is the cleartext one for STARTTLS (step recorded), the post-TLS one for implicit TLS.
    if (mode === 'starttls')
      expect(error).toMatchObject({ step: 'CAPA', anomaly: { code: 'connection_closed' } })
    await expectNoCredentials(server)
  })
})

describe('a STARTTLS server that never finishes the upgrade', () => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })

  it.each([
    ['answer STLS', { hang: ['STLS'] }, 'STLS'],
    ['start the TLS handshake after +OK', { hang: 'handshake' }, 'handshake'],
  ] as const)('times out when the server does not %s, without a report', async (_, script, step) => {
    server = await startFakePop3({ mode: 'starttls', leaf: pki.good, ...script })
    const setup = await commit(server.port, { transport: 'starttls' })
    const error = await expectFailedWithoutReport(
      setup,
      setup.connect({ timeouts: FAST }),
      'MUASTS_ERR_POP3_TIMEOUT',
    )
    expect(error).toMatchObject({ step })
    await expectNoCredentials(server)
  })
})

describe('an endpoint that is not there', () => {
  it('fails with CLOSED (connection refused) and no report', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => probe.once('listening', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve)) // the port is now closed
    const setup = await commit(port, { transport: 'implicit-tls' })
    const error = await expectFailedWithoutReport(setup, setup.connect(), 'MUASTS_ERR_POP3_CLOSED')
    expect(error).toMatchObject({ step: 'connect', anomaly: { code: 'connection_failed' } })
  })

  it('fails with NO_COMMITMENT before any I/O when the account has none for pop3', async () => {
    const setup = await commit(1, { transport: 'implicit-tls' })
    const error = await setup.connect({ account: 'acct_unknown' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_NO_COMMITMENT' })
    expect(setup.reports).toEqual([])
  })
})
