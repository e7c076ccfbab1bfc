// Interop with a real submission server: Dovecot 2.3 on 127.0.0.1, both its implicit-TLS port
// (submissions, RFC 8314) and its STARTTLS port (submission, RFC 3207). What the guard sends must
// arrive at Dovecot's relay intact, and a swapped certificate must stop the session before AUTH.
import type { Report } from '@mua-sts/core'
import { FIXED_NOW } from '@mua-sts/core/testing'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { createTransport } from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { ACCOUNT, commitmentFor, expectRefusal } from './harness.js'

const pki = testPki()

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('guarded submission against Dovecot', () => {
  let dovecot: Dovecot
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good })
  })
  afterAll(async () => {
    await dovecot?.stop()
  })

  async function guarded(transport: 'implicit-tls' | 'starttls') {
    const port = transport === 'implicit-tls' ? dovecot.ports.submissions : dovecot.ports.submission
    const store = new MemoryCommitmentStore()
    const commitment = await store.strengthen(
      commitmentFor({ port }, { transport, host: '127.0.0.1', pins: [pki.good.spki] }),
    )
    const reports: Report[] = []
    const mailer = createTransport(
      guardedSmtpTransport({
        account: ACCOUNT,
        store,
        reports: new ReportDispatcher([callbackSink((e) => reports.push(e.report))]),
        trust: { ca: pki.caCert },
        now: () => new Date(FIXED_NOW),
        auth: { user: dovecot.user, pass: dovecot.password },
      }),
    )
    return { mailer, reports, commitment, current: () => store.get(ACCOUNT, 'submission') }
  }

  const count = (re: RegExp): number => (dovecot.log().match(re) ?? []).length
  const LOGIN = /submission-login: Info: Login: /g
  const NO_AUTH = /submission-login: Info: Disconnected: .*\(no auth attempts/g
  /** Dovecot's log process writes asynchronously: wait (bounded) until `re` occurs more than `after` times. */
  async function logged(re: RegExp, after: number): Promise<void> {
    for (let i = 0; i < 400 && count(re) <= after; i++) await new Promise((r) => setTimeout(r, 25))
    expect(count(re)).toBeGreaterThan(after)
  }

  // A 10 KB message sent as raw RFC 5322 text, so "intact" can be checked byte for byte.
  const raw = (subject: string): string =>
    [
      `From: alice@example.test`,
      'To: bob@example.test',
      `Subject: ${subject}`,
      'Message-ID: <interop@example.test>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      '.a line that needs dot-stuffing',
      ...Array.from({ length: 130 }, (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(66)}`),
      '',
    ].join('\r\n')

  it.each(['implicit-tls', 'starttls'] as const)(
    'delivers a message over %s that arrives intact at the relay',
    async (transport) => {
      const g = await guarded(transport)
      const before = dovecot.relayed.length
      const message = raw(`guarded ${transport}`)
      expect(message.length).toBeGreaterThan(10_000)

      const info = await g.mailer.sendMail({
        envelope: { from: dovecot.user, to: ['bob@example.test'] },
        raw: message,
      })

      expect(info.accepted).toEqual(['bob@example.test'])
      expect(dovecot.relayed).toHaveLength(before + 1)
      const relayed = dovecot.relayed[before]
      expect(relayed?.from).toBe(dovecot.user)
      expect(relayed?.to).toEqual(['bob@example.test'])
      // Dovecot prepends its Received header; everything after it is exactly what the app handed over.
      expect(relayed?.data.toString('latin1').endsWith(message)).toBe(true)
      expect(g.reports).toEqual([])
    },
  )

  it.each(['implicit-tls', 'starttls'] as const)(
    'verify() resolves true after a real AUTH over %s',
    async (transport) => {
      const g = await guarded(transport)
      const before = count(LOGIN)

      await expect(g.mailer.verify()).resolves.toBe(true)

      await logged(LOGIN, before)
    },
  )

  it.each(['implicit-tls', 'starttls'] as const)(
    'refuses over %s once the certificate is swapped for one from an untrusted CA',
    async (transport) => {
      const g = await guarded(transport)
      await dovecot.swapCertificate(pki.otherCa)
      try {
        const relayedBefore = dovecot.relayed.length
        const loginsBefore = count(LOGIN)
        const refusedBefore = count(NO_AUTH)

        const refusal = await expectRefusal(g, () =>
          g.mailer.sendMail({
            from: dovecot.user,
            to: 'bob@example.test',
            subject: 'must not go',
            text: 'x',
          }),
        )

        expect(refusal.report.violations.map((v) => v.code)).toContain('certificate_not_trusted')
        expect(dovecot.relayed).toHaveLength(relayedBefore)
        await logged(NO_AUTH, refusedBefore)
        expect(count(LOGIN)).toBe(loginsBefore)
        expect(await g.current()).toEqual(g.commitment)
      } finally {
        await dovecot.swapCertificate(pki.good)
      }
    },
  )

  it('refuses a re-keyed server whose chain is valid but whose key is not pinned', async () => {
    const g = await guarded('implicit-tls')
    await dovecot.swapCertificate(pki.rekeyed)
    try {
      const loginsBefore = count(LOGIN)
      const refusedBefore = count(NO_AUTH)
      const refusal = await expectRefusal(g, () => g.mailer.verify())

      expect(refusal.report.violations.map((v) => v.code)).toEqual(['spki_pin_mismatch'])
      await logged(NO_AUTH, refusedBefore)
      expect(count(LOGIN)).toBe(loginsBefore)
    } finally {
      await dovecot.swapCertificate(pki.good)
    }
  })
})
