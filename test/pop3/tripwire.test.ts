// The tripwire end to end: credentials go only to the exact socket the Guard passed. A Guard that
// answers "ok" without recording the socket (a future bug, a mocked check, a different socket object)
// ends the connection with MUASTS_ERR_GUARD_BYPASSED before any USER/PASS/AUTH byte.
import { isSdkError } from '@mua-sts/core'
import { type CheckResult, Guard, markPassed } from '@mua-sts/transport'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type FakePop3Server, startFakePop3 } from '../fakes/pop3-server.js'
import { commit, expectNoCredentials, pki } from './harness.js'

describe.each([
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const)('the tripwire on a %s commitment', (transport, mode) => {
  let server: FakePop3Server
  afterEach(async () => {
    vi.restoreAllMocks()
    await server?.close()
  })

  it('refuses to authenticate when the check said ok but never recorded the socket', async () => {
    server = await startFakePop3({ mode, leaf: pki.good })
    const setup = await commit(server.port, { transport })
    vi.spyOn(Guard.prototype, 'check').mockReturnValue({ ok: true } satisfies CheckResult)
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED'), String(error)).toBe(true)
    await expectNoCredentials(server)
  })

  it('refuses to authenticate when the check recorded a different socket object', async () => {
    server = await startFakePop3({ mode, leaf: pki.good })
    const setup = await commit(server.port, { transport })
    vi.spyOn(Guard.prototype, 'check').mockImplementation(() => {
      markPassed({}) // some other object, not this connection's TLS socket
      return { ok: true }
    })
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
    await expectNoCredentials(server)
  })

  it('CONTROL: the same mocked check that does record the socket lets the login through', async () => {
    server = await startFakePop3({ mode, leaf: pki.good })
    const setup = await commit(server.port, { transport })
    vi.spyOn(Guard.prototype, 'check').mockImplementation((_c, _o, socket) => {
      if (socket !== undefined) markPassed(socket)
      return { ok: true }
    })
    const client = await setup.connect()
    await client.quit()
    expect(server.sawCredentials()).toBe(true)
  })
})

describe('the tripwire before a pipelined USER+PASS (post-TLS CAPA lists PIPELINING)', () => {
  let server: FakePop3Server
  afterEach(async () => {
    vi.restoreAllMocks()
    await server?.close()
  })

  it('sends neither line when the check said ok but never recorded the socket', async () => {
    server = await startFakePop3({ mode: 'implicit', leaf: pki.good, capaAfterTls: ['USER', 'PIPELINING'] })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    vi.spyOn(Guard.prototype, 'check').mockReturnValue({ ok: true } satisfies CheckResult)
    const error = await setup
      .connect({ auth: { ...setup.options().auth, mechanism: 'USER' } })
      .catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED'), String(error)).toBe(true)
    await expectNoCredentials(server)
  })
})
