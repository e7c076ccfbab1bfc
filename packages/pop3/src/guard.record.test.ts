// client.security (issue #14) as connectPop3 hands it out. With no record sink the Guard builds the
// record on its first read (issue #17), from facts taken when the gate passed the connection, so it is
// the same whether it is read at once or after QUIT closed the socket; with a sink it arrives there
// during the connect, and client.security is that very record.
import type { SecurityRecord } from '@mua-sts/core'
import { ReportDispatcher } from '@mua-sts/reports'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakePop3Server, startFakePop3 } from '../../../test/fakes/pop3-server.js'
import { commit, pki } from '../../../test/pop3/harness.js'

let server: FakePop3Server | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** connectPop3 to a compliant implicit-TLS server, USER/PASS, with `reports` as the only dispatcher. */
async function connect(reports: ReportDispatcher | undefined) {
  server = await startFakePop3({ mode: 'implicit', leaf: pki.good })
  const setup = await commit(server.port, { transport: 'implicit-tls' })
  return setup.connect({ reports, auth: { ...setup.options().auth, mechanism: 'USER' } })
}

const PASSED = {
  service: 'pop3',
  outcome: 'passed',
  remoteAddress: '127.0.0.1',
  tls: { version: expect.stringMatching(/^TLSv1\.[23]$/), group: expect.any(String) },
  certificate: { spkiSha256: pki.good.spki, issuer: expect.stringContaining('CN=mua-sts Test CA') },
}

describe('client.security', () => {
  it('without a record sink: the record of the gate, also when first read after QUIT', async () => {
    const client = await connect(undefined)
    await client.quit()
    const record = client.security
    expect(record).toMatchObject(PASSED)
    expect(client.security).toBe(record)
  })

  it('with a record sink: the record the sink received during the connect', async () => {
    const sunk: SecurityRecord[] = []
    const reports = new ReportDispatcher([], {
      recordSinks: [{ name: 't', writeRecord: (r) => void sunk.push(r) }],
    })
    const client = await connect(reports)
    expect(sunk).toHaveLength(1)
    await client.quit()
    expect(client.security).toBe(sunk[0])
    expect(client.security).toMatchObject(PASSED)
  })
})
