// Issue #14 item 8, IMAP: in-band failure reports against a real Dovecot that advertises DEEP natively
// (`imap_capability = +DEEP`, the status in its ID response) and logs every client ID it receives
// (`imap_id_log = *`), so the server's own log shows what crossed the wire. After the client latched
// `tls-cert` from Dovecot, the certificate is swapped for an expired one: in mode 'spec' the client sends
// exactly `latch-fail tls-cert` before LOGOUT; in the default mode nothing at all; never a credential.
import { FAKE_PASS } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { ACCOUNT, type Committed, commit, expectRefused, pki } from './harness.js'

const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'
// Dovecot logs `ID sent: k=v, k=v: user=<>, rip=…`; the capture is our fields only.
const ID_SENT = /imap-login: Info: ID sent: (.*?): user=</g

async function waitForLog(dovecot: Dovecot, pattern: RegExp, count = 1): Promise<string> {
  const n = () => (dovecot.log().match(new RegExp(pattern.source, 'g')) ?? []).length
  for (let i = 0; i < 200 && n() < count; i++) await new Promise((r) => setTimeout(r, 25))
  return dovecot.log()
}

const idLines = (log: string): string[] => [...log.matchAll(ID_SENT)].map((m) => m[1] as string)

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))(
  'in-band failure reports to a DEEP-advertising Dovecot',
  () => {
    let dovecot: Dovecot
    // An account that latched tls-cert and tls12 from this Dovecot earlier (see the first test).
    const latched = (): Promise<Committed> =>
      commit(dovecot.ports.imaps, { transport: 'implicit-tls', latches: ['tls-cert', 'tls12'] })
    beforeAll(async () => {
      dovecot = await startDovecot({ leaf: pki.good, deepStatus: DEEP, extraConfig: 'imap_id_log = *' })
      // First a good session: Dovecot lists DEEP, the client sends its DEEP fields and latches tls-cert.
      const learning = await commit(dovecot.ports.imaps, { transport: 'implicit-tls' })
      const client = await learning.connect({ auth: { user: dovecot.user, pass: dovecot.password } })
      await client.logout()
      const stored = await learning.store.get(ACCOUNT, 'imap')
      expect(stored?.latches).toEqual(['tls-cert', 'tls12'])
      await dovecot.swapCertificate(pki.expired)
    })
    afterAll(async () => {
      await dovecot?.stop()
    })

    it('a passing session sent its ID with the DEEP fields (Dovecot lists ID and DEEP)', async () => {
      const log = await waitForLog(dovecot, ID_SENT)
      expect(idLines(log)[0]).toMatch(/^name=mua-sts, version=[^,]+, security-tags=tls11 tls12 tls-cert$/)
    })

    it("mode 'spec': the expired certificate is reported as latch-fail tls-cert, then LOGOUT, no login", async () => {
      const before = idLines(dovecot.log()).length
      const setup = await latched()
      const report = await expectRefused(
        setup,
        setup.connect({ auth: { user: dovecot.user, pass: dovecot.password }, inBand: 'spec' }),
        'certificate_expired',
      )
      expect(report.action).toBe('blocked_before_auth_reported_in_band')
      expect(report.inBand?.idFields).toEqual({
        name: 'mua-sts',
        version: expect.any(String),
        'latch-fail': 'tls-cert',
      })
      const log = await waitForLog(dovecot, ID_SENT, before + 1)
      // Exactly the report's fields reached Dovecot, in order, and nothing else of ours.
      const version = report.inBand?.idFields['version'] ?? ''
      expect(idLines(log).slice(before)).toEqual([`name=mua-sts, version=${version}, latch-fail=tls-cert`])
      const LOGGED_OUT = /imap-login: Info: Disconnected: Aborted login by logging out \(no auth attempts/
      expect(await waitForLog(dovecot, LOGGED_OUT)).toMatch(LOGGED_OUT)
      // Only the first, good session ever logged in; no credential was tried here.
      expect(dovecot.log().match(/imap-login: Info: Login: user=</g) ?? []).toHaveLength(1)
      expect(dovecot.log()).not.toMatch(/auth failed/)
      expect(dovecot.log()).not.toContain(dovecot.password)
      expect(dovecot.log()).not.toContain(FAKE_PASS)
    })

    it('default mode: the same certificate gets nothing at all after the handshake', async () => {
      const before = idLines(dovecot.log()).length
      const setup = await latched()
      const report = await expectRefused(
        setup,
        setup.connect({ auth: { user: dovecot.user, pass: dovecot.password } }),
        'certificate_expired',
      )
      expect(report.action).toBe('blocked_before_auth')
      expect(report.inBand).toBeNull()
      const ABORTED = /imap-login: Info: Disconnected: .*no auth attempts.*TLS/
      await waitForLog(dovecot, ABORTED)
      expect(idLines(dovecot.log()).slice(before)).toEqual([])
    })
  },
)
