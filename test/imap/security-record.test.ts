// Issue #14: every guarded IMAP connection, pass or fail, yields one security record — on the client
// (`client.security`), on the `mua-sts:security-record` diagnostics channel, and to opt-in record sinks.
import diagnostics_channel from 'node:diagnostics_channel'
import type { SecurityRecord } from '@mua-sts/core'
import { ReportDispatcher, SECURITY_RECORD_CHANNEL } from '@mua-sts/reports'
import { FAKE_PASS, type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { commit, expectRefused, pki } from './harness.js'

describe('security records', () => {
  let server: FakeImapServer
  const published: SecurityRecord[] = []
  const listen = (m: unknown): void => void published.push(m as SecurityRecord)
  diagnostics_channel.subscribe(SECURITY_RECORD_CHANNEL, listen)
  afterEach(async () => {
    published.length = 0
    await server?.close()
  })

  it('a passing connection: client.security is the record published and handed to the record sink', async () => {
    server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    const setup = await commit(server.port, { transport: 'implicit-tls', latches: ['tls12'] })
    const sunk: SecurityRecord[] = []
    const reports = new ReportDispatcher([], {
      recordSinks: [{ name: 't', writeRecord: (r) => void sunk.push(r) }],
    })
    const client = await setup.connect({ reports })
    await client.logout()
    expect(published).toEqual([client.security])
    expect(sunk).toEqual([client.security])
    expect(client.security).toMatchObject({ outcome: 'passed', checked: { latches: ['tls12'] } })
    expect(JSON.stringify(client.security)).not.toContain(FAKE_PASS)
  })

  it('a refused connection: one refused record linked to its report', async () => {
    server = await startFakeImap({ mode: 'implicit', leaf: pki.rekeyed })
    const setup = await commit(server.port, { transport: 'implicit-tls', pins: [pki.good.spki] })
    const report = await expectRefused(setup, setup.connect(), 'spki_pin_mismatch')
    expect(published).toHaveLength(1)
    expect(published[0]).toMatchObject({
      outcome: 'refused',
      reportId: report.reportId,
      certificate: { spkiSha256: pki.rekeyed.spki },
      tls: { version: expect.stringMatching(/^TLSv1\.[23]$/) },
    })
  })
})
