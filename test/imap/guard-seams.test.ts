// An app-supplied seam that throws inside the check (here: the report id generator) must fail the
// connection closed and reject connectImap — not crash the process from a socket event listener.
import { isSdkError } from '@mua-sts/core'
import { startFakeImap } from '@mua-sts/testing'
import { describe, expect, it } from 'vitest'
import { commit, expectNoCredentials, pki } from './harness.js'

describe('connectImap with a throwing seam', () => {
  it('rejects, sends nothing, and keeps the process alive when building the report throws', async () => {
    const server = await startFakeImap({ mode: 'implicit', leaf: pki.rekeyed })
    const setup = await commit(server.port, { transport: 'implicit-tls', pins: [pki.good.spki] })
    const error = await setup
      .connect({
        newReportId: () => {
          throw new Error('id generator failed')
        },
      })
      .catch((e: unknown) => e)
    expect(isSdkError(error), String(error)).toBe(true)
    expect(String(error)).toContain('id generator failed')
    expectNoCredentials(server)
    await server.close()
  })
})
