// Every attack scenario against the guarded transport: sendMail() and verify() reject with
// MUASTS_ERR_COMMITMENT_VIOLATED, the report is dispatched before the rejection, the server saw no
// AUTH / CLIENT / MAIL byte, and the stored commitment is exactly as strong as before.
// bare-nodemailer.control.test.ts runs the same servers against stock nodemailer (the guard removed).

import { FakeSmtpServer } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { expectNothingLeaked, expectRefusal, guardedFor, MESSAGE } from './harness.js'
import { SCENARIOS } from './scenarios.js'

let server: FakeSmtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe.each(SCENARIOS)('when $name', (scenario) => {
  it('sendMail refuses before AUTH, reports, and keeps the commitment', async () => {
    server = await FakeSmtpServer.start(scenario.script())
    const g = await guardedFor(server, scenario.commitment)

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(refusal.report.violations.map((v) => v.code)).toContain(scenario.violation)
    expect(refusal.report.service).toBe('submission')
    expect(refusal.report.account).toEqual({ ref: 'acct-smtp-1' })
    expectNothingLeaked(server)
    expect(await g.current()).toEqual(g.commitment)
  })

  it('verify() refuses the same way and never resolves true', async () => {
    server = await FakeSmtpServer.start(scenario.script())
    const g = await guardedFor(server, scenario.commitment)

    await expectRefusal(g, () => g.mailer.verify())
    await server.settled()

    expectNothingLeaked(server)
    expect(await g.current()).toEqual(g.commitment)
  })
})

describe('STARTTLS hygiene (RFC 3207)', () => {
  it('refuses a missing STARTTLS without ever sending STARTTLS', async () => {
    server = await FakeSmtpServer.start({
      mode: 'starttls',
      leaf: (await import('../support/certs.js')).testPki().good,
      ehloBeforeTls: ['PIPELINING', 'AUTH PLAIN LOGIN'],
    })
    const g = await guardedFor(server, { transport: 'starttls' })
    await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()
    expect(server.verbs()).toEqual(['EHLO'])
    expect(server.clientBytes().toString('latin1')).toBe('EHLO [127.0.0.1]\r\n')
  })

  it('fails closed when injected bytes arrive only after the client started the handshake', async () => {
    const { testPki } = await import('../support/certs.js')
    server = await FakeSmtpServer.start({
      mode: 'starttls',
      leaf: testPki().good,
      injectAfterClientHello: '250-fake.example.test\r\n250 AUTH PLAIN\r\n',
    })
    const g = await guardedFor(server, { transport: 'starttls' })
    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()
    expect(refusal.report.violations.map((v) => v.code)).toEqual(['tls_handshake_failed'])
    expectNothingLeaked(server)
  })
})
