// Failures that are not policy outcomes: coded errors, no report, nothing learned, and no server text
// from before TLS in the message (spec digest §2a-I: pre-TLS text may be the attacker's).
import { createServer } from 'node:net'
import { isSdkError } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { ACCOUNT, commit, pki } from './harness.js'

describe('connection failures', () => {
  let server: FakeImapServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function expectPlainFailure(port: number, transport: 'implicit-tls' | 'starttls', code: string) {
    const setup = await commit(port, { transport })
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error), String(error)).toBe(true)
    expect((error as { code: string }).code).toBe(code)
    expect(error).not.toHaveProperty('report')
    expect(setup.reports).toEqual([])
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
    return error as Error
  }

  it('a refused TCP connection is MUASTS_ERR_CONNECTION without a report', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const address = probe.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    await new Promise((resolve) => probe.close(resolve))
    await expectPlainFailure(port, 'implicit-tls', 'MUASTS_ERR_CONNECTION')
  })

  it('a server that hangs up after its greeting is MUASTS_ERR_CONNECTION without a report', async () => {
    server = await startFakeImap({
      mode: 'starttls',
      leaf: pki.good,
      capsInGreeting: false,
      closeAfterGreeting: true,
    })
    await expectPlainFailure(server.port, 'starttls', 'MUASTS_ERR_CONNECTION')
  })

  it('a pre-TLS BYE is a connection error whose message carries none of the server text', async () => {
    server = await startFakeImap({ mode: 'starttls', leaf: pki.good, greeting: 'BYE' })
    const error = await expectPlainFailure(server.port, 'starttls', 'MUASTS_ERR_CONNECTION')
    expect(error.message).not.toContain('going away')
    expect(server.commands()).toEqual([])
  })
})
