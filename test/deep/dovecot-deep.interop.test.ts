// Issue #14 item 8, POP3 and submission: a real Dovecot behind the DEEP test proxy, which adds DEEP / MSTS
// to CAPA and EHLO and records every decrypted byte the client sent. The proxy presents the certificate
// under test (expired, re-keyed); the exact bytes of each failure report are asserted, and that no
// credential ever crossed. (IMAP speaks DEEP natively: test/imap/dovecot-deep.interop.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { commit as commitPop3, expectRefused as expectPop3Refused } from '../pop3/harness.js'
import { expectRefusal as expectSmtpRefusal, guardedFor, MESSAGE, PASS, USER } from '../smtp/harness.js'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { type DeepProxy, startDeepProxy } from './deep-proxy.js'

const pki = testPki()
const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'
const SECRETS = [PASS, Buffer.from(`\0${USER}\0${PASS}`).toString('base64')]

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('DEEP via proxy in front of Dovecot', () => {
  let dovecot: Dovecot
  let proxy: DeepProxy | undefined
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good })
  })
  afterEach(async () => {
    await proxy?.close()
    proxy = undefined
  })
  afterAll(async () => {
    await dovecot?.stop()
  })
  const start = async (protocol: 'pop3' | 'smtp', leaf: { key: string; cert: string }) => {
    proxy = await startDeepProxy({
      protocol,
      backendPort: protocol === 'pop3' ? dovecot.ports.pop3s : dovecot.ports.submissions,
      backendCa: pki.caCert,
      backendName: 'localhost',
      leaf,
      deep: DEEP,
    })
    return proxy
  }
  const noSecrets = (p: DeepProxy) => {
    for (const s of SECRETS) expect(p.clientBytes().join('')).not.toContain(s)
    expect(p.clientBytes().join('')).not.toContain(dovecot.password)
  }

  describe('submission', () => {
    it("mode 'spec': an expired certificate after a tls-cert latch sends exactly CLIENT latch-fail=tls-cert, then QUIT", async () => {
      const p = await start('smtp', pki.expired)
      const g = await guardedFor(
        p,
        { transport: 'implicit-tls', latches: ['tls12', 'tls-cert'] },
        { inBand: 'spec' },
      )
      const refusal = await expectSmtpRefusal(g, () => g.mailer.sendMail(MESSAGE))
      expect(refusal.report.violations.map((v) => v.code)).toContain('certificate_expired')
      // QUIT follows the refusal on the wire; wait for it to reach the proxy.
      for (let i = 0; i < 100 && !p.clientLines().includes('QUIT'); i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(p.clientLines()).toEqual([
        expect.stringMatching(/^EHLO /),
        'CLIENT name=mua-sts version=0.1.0 latch-fail=tls-cert',
        'QUIT',
      ])
      expect(refusal.report.action).toBe('blocked_before_auth_reported_in_band')
      expect(refusal.report.inBand?.client04).toBe('CLIENT name=mua-sts version=0.1.0 latch-fail=tls-cert')
      noSecrets(p)
    })

    it('default mode: the same certificate gets nothing at all', async () => {
      const p = await start('smtp', pki.expired)
      const g = await guardedFor(p, { transport: 'implicit-tls', latches: ['tls12', 'tls-cert'] })
      const refusal = await expectSmtpRefusal(g, () => g.mailer.sendMail(MESSAGE))
      expect(refusal.report.inBand).toBeNull()
      expect(p.clientBytes().join('')).toBe('')
    })

    it('a re-keyed server (SPKI pin) gets nothing after the handshake, in any mode: no EHLO, no CLIENT', async () => {
      const p = await start('smtp', pki.rekeyed)
      const g = await guardedFor(
        p,
        { transport: 'implicit-tls', latches: ['tls12', 'tls-cert'], pins: [pki.good.spki] },
        { inBand: 'spec' },
      )
      const refusal = await expectSmtpRefusal(g, () => g.mailer.sendMail(MESSAGE))
      expect(refusal.report.violations.map((v) => v.code)).toEqual(['spki_pin_mismatch'])
      expect(refusal.report.action).toBe('blocked_before_auth')
      expect(p.clientBytes().join('')).toBe('')
    })
  })

  describe('POP3 (no client-to-server report, DEEP -04 §7.2)', () => {
    it('an expired certificate: nothing crosses, in any mode, and the refusal is recorded', async () => {
      const p = await start('pop3', pki.expired)
      const setup = await commitPop3(p.port, { transport: 'implicit-tls', latches: ['tls12', 'tls-cert'] })
      const report = await expectPop3Refused(setup, setup.connect({ inBand: 'spec' }), 'certificate_expired')
      expect(report.inBand).toBeNull()
      expect(p.clientBytes().join('')).toBe('')
    })

    it('a re-keyed server: nothing crosses after the handshake', async () => {
      const p = await start('pop3', pki.rekeyed)
      const setup = await commitPop3(p.port, { transport: 'implicit-tls', pins: [pki.good.spki] })
      await expectPop3Refused(setup, setup.connect(), 'spki_pin_mismatch')
      expect(p.clientBytes().join('')).toBe('')
    })
  })
})
