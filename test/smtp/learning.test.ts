// Learning from the post-TLS EHLO (DEEP -04 §5.1/§5.3, -05 §7): only on a session that met the
// commitment with an authenticated server, only from what was read after TLS, only ever stronger.

import { type FakeSmtpScript, FakeSmtpServer } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { expectRefusal, guardedFor, MESSAGE } from './harness.js'

let server: FakeSmtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const pki = testPki()
const run = async (
  script: Partial<FakeSmtpScript> & Pick<FakeSmtpScript, 'mode'>,
  op: 'send' | 'verify' = 'send',
) => {
  server = await FakeSmtpServer.start({ leaf: pki.good, ...script })
  const g = await guardedFor(server, { transport: script.mode })
  if (op === 'send') await g.mailer.sendMail(MESSAGE)
  else await g.mailer.verify()
  await server.settled()
  return g
}

describe('learning from the EHLO read over TLS', () => {
  it('latches the DEEP tags and keeps the status URL once sendMail resolves', async () => {
    const g = await run({
      mode: 'implicit-tls',
      ehloAfterTls: ['DEEP tls12 tls-cert <https://status.example.test/mail>', 'AUTH PLAIN'],
    })

    const now = await g.current()
    expect(now?.latches).toEqual(['tls-cert', 'tls12'])
    expect(now?.statusUrl?.url).toBe('https://status.example.test/mail')
    expect(now?.provenance['latch:tls12']?.source).toBe('server')
  })

  it('saves the -05 MSTS directives, learned through verify() too', async () => {
    const g = await run(
      { mode: 'starttls', ehloAfterTls: ['MSTS tls-version=1.2; tls-cert=pkix', 'AUTH PLAIN'] },
      'verify',
    )

    expect((await g.current())?.directives).toEqual({ tlsVersion: '1.2', tlsCert: 'pkix' })
  })

  it('learns nothing from DEEP or MSTS seen only before STARTTLS', async () => {
    const g = await run({
      mode: 'starttls',
      ehloBeforeTls: ['STARTTLS', 'DEEP tls12 tls-cert tls-dane-tlsa', 'MSTS tls-cert=dane'],
      ehloAfterTls: ['AUTH PLAIN'],
    })

    expect(await g.current()).toEqual(g.commitment)
  })

  it('ignores a malformed DEEP status without failing the session', async () => {
    const g = await run({ mode: 'implicit-tls', ehloAfterTls: ['DEEP tls12 \u0001bad', 'AUTH PLAIN'] })

    expect(await g.current()).toEqual(g.commitment)
    expect(server?.delivered).toHaveLength(1)
  })

  it('does not latch a tag the session itself did not meet (tls-dane-tlsa without DANE)', async () => {
    const g = await run({ mode: 'implicit-tls', ehloAfterTls: ['DEEP tls-dane-tlsa tls12', 'AUTH PLAIN'] })

    expect((await g.current())?.latches).toEqual(['tls12'])
  })

  it('enforces a latch learned on one connection on the next one', async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.good,
      ehloAfterTls: ['DEEP tls-cert', 'AUTH PLAIN'],
    })
    const g = await guardedFor(server, { transport: 'implicit-tls' })
    await g.mailer.sendMail(MESSAGE)
    await server.settled(1)

    server.swapCertificate(pki.expired)
    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled(2)

    expect(refusal.report.violations).toContainEqual(
      expect.objectContaining({ code: 'certificate_expired', tag: 'tls-cert' }),
    )
    expect((await g.current())?.latches).toEqual(['tls-cert'])
    expect(server.delivered).toHaveLength(1)
  })
})
