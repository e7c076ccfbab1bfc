// Failures that are not policy outcomes: coded errors, a `connection_error` report (never a violation,
// issue #13 honest blame), nothing learned, and no server text from before TLS in the message (spec
// digest §2a-I: pre-TLS text may be the attacker's).
import { createServer } from 'node:net'
import { type ConnectPhase, explainConnectionFailure, isSdkError, ReportSchema } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { ACCOUNT, commit, pki } from './harness.js'

describe('connection failures', () => {
  let server: FakeImapServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function expectPlainFailure(
    port: number,
    transport: 'implicit-tls' | 'starttls',
    code: string,
    phase: ConnectPhase,
  ) {
    const setup = await commit(port, { transport })
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error), String(error)).toBe(true)
    expect((error as { code: string }).code).toBe(code)
    expect((error as { details?: unknown }).details).toMatchObject({ phase })
    const report = (error as { report?: unknown }).report
    expect(setup.reports).toEqual([report])
    expect(setup.events).toEqual(['report', 'rejected'])
    expect(ReportSchema.parse(report)).toMatchObject({
      outcome: 'connection_error',
      violations: [],
      failure: { phase, code },
    })
    expect(explainConnectionFailure({ phase, code: code as 'MUASTS_ERR_CONNECTION' })).not.toMatch(/attack/i)
    expect(String((error as Error).message)).not.toMatch(/attack/i)
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
    return error as Error
  }

  it('a refused TCP connection is MUASTS_ERR_CONNECTION with a connection_error report', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const address = probe.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    await new Promise((resolve) => probe.close(resolve))
    await expectPlainFailure(port, 'implicit-tls', 'MUASTS_ERR_CONNECTION', 'tcp')
  })

  it('a server that hangs up after its greeting is a connection error, not a violation', async () => {
    server = await startFakeImap({
      mode: 'starttls',
      leaf: pki.good,
      capsInGreeting: false,
      closeAfterGreeting: true,
    })
    await expectPlainFailure(server.port, 'starttls', 'MUASTS_ERR_CONNECTION', 'capabilities')
  })

  it('a pre-TLS BYE is a connection error whose message carries none of the server text', async () => {
    server = await startFakeImap({ mode: 'starttls', leaf: pki.good, greeting: 'BYE' })
    const error = await expectPlainFailure(server.port, 'starttls', 'MUASTS_ERR_CONNECTION', 'greeting')
    expect(error.message).not.toContain('going away')
    expect(server.commands()).toEqual([])
  })
})
