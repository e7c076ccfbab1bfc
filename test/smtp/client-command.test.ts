// DEEP's CLIENT command on the wire (-04 §7.3, -05 §9.3): the exact line, when it is sent (after the
// post-TLS EHLO, before AUTH, only to servers that list DEEP/MSTS after TLS), that any reply is
// non-fatal, and the failure report followed by QUIT without AUTH (issue #14: only the failed
// registered latches / saved directives; an SPKI pin alone crosses nothing after the handshake).

import { type FakeSmtpScript, FakeSmtpServer } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { type CommitmentShape, expectNothingLeaked, expectRefusal, guardedFor, MESSAGE } from './harness.js'

let server: FakeSmtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const pki = testPki()
const DEEP = 'DEEP tls12 tls-cert <https://status.example.test/mail>'
const MSTS = 'MSTS tls-version=1.2; tls-cert=pkix'

async function sendThrough(
  script: Partial<FakeSmtpScript>,
  shape: Partial<CommitmentShape> = {},
  extra: Parameters<typeof guardedFor>[2] = {},
) {
  server = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf: pki.good, ...script })
  const g = await guardedFor(server, { transport: 'implicit-tls', ...shape }, extra)
  await g.mailer.sendMail(MESSAGE)
  await server.settled()
  return { s: server, g }
}

/** The bytes of the one CLIENT command, exactly as they arrived (nodemailer writes one command per write). */
function clientWrite(s: FakeSmtpServer): string | undefined {
  return s.chunks.map((c) => c.bytes.toString('latin1')).find((b) => b.startsWith('CLIENT'))
}

describe('CLIENT, -04 form (EHLO lists DEEP after TLS)', () => {
  it('reports latched tags and the remaining supported tags before AUTH', async () => {
    const { s } = await sendThrough(
      { ehloAfterTls: [DEEP, 'AUTH PLAIN'] },
      { latches: ['tls12', 'tls-cert'] },
    )

    expect(clientWrite(s)).toBe(
      'CLIENT name=mua-sts version=0.1.0 latch=tls12,tls-cert security-tags=tls11\r\n',
    )
    expect(s.verbs('tls')).toEqual(['EHLO', 'CLIENT', 'AUTH', 'MAIL', 'RCPT', 'DATA'])
  })

  it('reports only security-tags when nothing is latched yet', async () => {
    const { s } = await sendThrough({ ehloAfterTls: [DEEP, 'AUTH PLAIN'] })

    expect(clientWrite(s)).toBe('CLIENT name=mua-sts version=0.1.0 security-tags=tls11,tls12,tls-cert\r\n')
  })

  it('sanitises the client name and version into esmtp-values', async () => {
    const { s } = await sendThrough(
      { ehloAfterTls: [DEEP, 'AUTH PLAIN'] },
      {},
      { client: { name: 'Example Mail=Pro', version: '2.0 beta' } },
    )

    expect(clientWrite(s)).toBe(
      'CLIENT name=Example_Mail_Pro version=2.0_beta security-tags=tls11,tls12,tls-cert\r\n',
    )
  })

  it('leaves name and version out when client is null (DEEP -04 §12)', async () => {
    const { s } = await sendThrough({ ehloAfterTls: [DEEP, 'AUTH PLAIN'] }, {}, { client: null })

    expect(clientWrite(s)).toBe('CLIENT security-tags=tls11,tls12,tls-cert\r\n')
  })

  it('sends nothing at all after the handshake when only the SPKI pin fails (no EHLO, no CLIENT)', async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.rekeyed,
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
    })
    const g = await guardedFor(server, {
      transport: 'implicit-tls',
      pins: [pki.good.spki],
      latches: ['tls12', 'tls-cert'],
    })

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(server.verbs()).toEqual([])
    expect(server.chunks.filter((c) => c.phase === 'tls')).toEqual([])
    expect(refusal.report.action).toBe('blocked_before_auth')
    expect(refusal.report.inBand).toBeNull()
    expect(await g.current()).toEqual(g.commitment)
  })

  it('reports exactly the failed latched tag and QUITs without AUTH (tls-dane-tlsa, no validator)', async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.good,
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
    })
    const g = await guardedFor(server, { transport: 'implicit-tls', latches: ['tls12', 'tls-dane-tlsa'] })

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(clientWrite(server)).toBe('CLIENT name=mua-sts version=0.1.0 latch-fail=tls-dane-tlsa\r\n')
    expect(server.verbs()).toEqual(['EHLO', 'CLIENT', 'QUIT'])
    expect(refusal.report.action).toBe('blocked_before_auth_reported_in_band')
    expect(refusal.report.inBand?.client04).toBe('CLIENT name=mua-sts version=0.1.0 latch-fail=tls-dane-tlsa')
  })

  it("mode 'spec': an expired certificate after a tls-cert latch sends latch-fail=tls-cert, then QUIT", async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.expired,
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
    })
    const g = await guardedFor(
      server,
      { transport: 'implicit-tls', latches: ['tls12', 'tls-cert'] },
      { inBand: 'spec' },
    )

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(clientWrite(server)).toBe('CLIENT name=mua-sts version=0.1.0 latch-fail=tls-cert\r\n')
    expect(server.verbs()).toEqual(['EHLO', 'CLIENT', 'QUIT'])
    expect(refusal.report.violations.map((v) => v.code)).toContain('certificate_expired')
    expect(server.verbs()).not.toContain('AUTH')
    expect(server.delivered).toEqual([])
  })
})

describe('CLIENT, -05 form (EHLO lists MSTS after TLS)', () => {
  it('reports the directives the SDK supports', async () => {
    const { s } = await sendThrough({ ehloAfterTls: [MSTS, 'AUTH PLAIN'] })

    expect(clientWrite(s)).toBe(
      'CLIENT name mua-sts version 0.1.0 directives "tls-version=1.2; tls-cert=pkix"\r\n',
    )
  })

  it('reports saved directives, and prefers -05 when the server lists both DEEP and MSTS', async () => {
    const { s } = await sendThrough(
      { ehloAfterTls: [DEEP, MSTS, 'AUTH PLAIN'] },
      { directives: { tlsVersion: '1.2', tlsCert: 'pkix' } },
    )

    expect(clientWrite(s)).toBe(
      'CLIENT name mua-sts version 0.1.0 saved "tls-version=1.2; tls-cert=pkix"\r\n',
    )
  })

  it('reports policy-fail and QUITs without AUTH when a saved directive fails', async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.good,
      ehloAfterTls: [MSTS, 'AUTH PLAIN'],
    })
    const g = await guardedFor(server, { transport: 'implicit-tls', directives: { tlsCert: 'dane' } })

    await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(clientWrite(server)).toBe('CLIENT name mua-sts version 0.1.0 policy-fail "tls-cert=dane"\r\n')
    expect(server.verbs()).toEqual(['EHLO', 'CLIENT', 'QUIT'])
  })
})

describe('when CLIENT is not sent or not accepted', () => {
  it('still sends the mail when the server answers CLIENT with 501', async () => {
    const { s } = await sendThrough({
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
      clientReply: '501 5.5.4 Syntax error',
    })

    expect(s.verbs('tls')).toEqual(['EHLO', 'CLIENT', 'AUTH', 'MAIL', 'RCPT', 'DATA'])
    expect(s.delivered).toHaveLength(1)
  })

  it('still sends the mail when the server does not recognise CLIENT (502)', async () => {
    const { s } = await sendThrough({
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
      clientReply: '502 5.5.2 Command not recognized',
    })

    expect(s.delivered).toHaveLength(1)
  })

  it('sends no CLIENT to a server that does not list DEEP or MSTS after TLS', async () => {
    const { s } = await sendThrough({ ehloAfterTls: ['AUTH PLAIN'] }, { latches: ['tls12'] })

    expect(s.verbs()).not.toContain('CLIENT')
    expect(s.delivered).toHaveLength(1)
  })

  it('sends no CLIENT when DEEP was listed only before TLS', async () => {
    server = await FakeSmtpServer.start({
      mode: 'starttls',
      leaf: pki.good,
      ehloBeforeTls: ['STARTTLS', DEEP, MSTS],
      ehloAfterTls: ['AUTH PLAIN'],
    })
    const g = await guardedFor(server, { transport: 'starttls' })
    await g.mailer.sendMail(MESSAGE)
    await server.settled()

    expect(server.verbs()).not.toContain('CLIENT')
  })

  it('sends no CLIENT on a session whose certificate failed, even if the server lists DEEP', async () => {
    server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.otherCa,
      ehloAfterTls: [DEEP, 'AUTH PLAIN'],
    })
    const g = await guardedFor(server, { transport: 'implicit-tls', latches: ['tls-cert'] })

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await server.settled()

    expect(refusal.report.inBand).toBeNull()
    expectNothingLeaked(server)
  })
})
