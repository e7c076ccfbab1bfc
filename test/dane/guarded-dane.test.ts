// DANE through the shared transport gate, for IMAP, POP3 and submission (issue #15 items 3, 4, 6):
// a real Unbound on loopback serves a zone signed at test time, the fake servers present a
// self-signed certificate (published as `3 1 1`) or a CA-issued one, and every refusal is checked on
// the server's own byte log: not one credential byte was sent.
import { X509Certificate } from 'node:crypto'
import { formatTlsa, tlsaRecordFor } from '@mua-sts/dane'
import {
  FAKE_PASS,
  type FakeImapServer,
  type FakePop3Server,
  FakeSmtpServer,
  startFakeImap,
  startFakePop3,
} from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as imap from '../imap/harness.js'
import * as pop3 from '../pop3/harness.js'
import { loopbackLookup } from '../setup-probe/fakes.js'
import * as smtp from '../smtp/harness.js'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'
import { selfSigned, type TestCert } from './support/chains.js'

const pki = testPki()
const ORIGIN = 'example.test'

describe.skipIf(!requireOrSkip(unboundAvailable(), 'unbound + ldnsutils'))(
  'DANE in the guards (real Unbound)',
  () => {
    let unbound: UnboundHandle
    let self: TestCert
    // *Ok servers take the passing sessions; *No servers only ever see refusals, so their whole byte
    // log must be free of credentials.
    let imapOk: FakeImapServer
    let imapNo: FakeImapServer
    let imapPkix: FakeImapServer
    let imapStarttls: FakeImapServer
    let pop3Ok: FakePop3Server
    let pop3No: FakePop3Server
    let smtpOk: FakeSmtpServer
    let smtpNo: FakeSmtpServer
    let dane: { address: string }

    beforeAll(async () => {
      self = await selfSigned(['*.example.test', 'mail.plain.test'])
      const stranger = await selfSigned(['*.example.test'])
      const leaf = { key: self.key, cert: self.pem, spki: '' }
      const credentials = { user: smtp.USER, pass: smtp.PASS }
      imapOk = await startFakeImap({ mode: 'implicit', leaf })
      imapNo = await startFakeImap({ mode: 'implicit', leaf })
      imapStarttls = await startFakeImap({ mode: 'starttls', leaf })
      imapPkix = await startFakeImap({
        mode: 'implicit',
        leaf: pki.good,
        id: { name: 'fake', deep: 'tls12 tls-cert tls-dane-tlsa' },
      })
      pop3Ok = await startFakePop3({ mode: 'implicit', leaf })
      pop3No = await startFakePop3({ mode: 'implicit', leaf })
      smtpOk = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf, credentials })
      smtpNo = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf, credentials })
      const mine = formatTlsa(tlsaRecordFor(self.der))
      const theirs = formatTlsa(tlsaRecordFor(stranger.der))
      const pkixLeaf = formatTlsa(tlsaRecordFor(new Uint8Array(new X509Certificate(pki.good.cert).raw)))
      const ports = [imapOk, imapNo, imapStarttls, pop3Ok, pop3No, smtpOk, smtpNo].map((x) => x.port)
      unbound = await startUnbound(
        {
          origin: ORIGIN,
          records: [
            ...ports.flatMap((p) => [
              `_${p}._tcp.ee IN TLSA ${mine}`,
              `_${p}._tcp.wrong IN TLSA ${theirs}`,
              `_${p}._tcp.tampered IN TLSA ${theirs}`,
              `_${p}._tcp.roll IN TLSA ${theirs}`,
              `_${p}._tcp.roll IN TLSA ${mine}`,
            ]),
            `_${imapPkix.port}._tcp.both IN TLSA ${pkixLeaf}`,
            'nodane IN A 127.0.0.1',
          ],
          tamper: (signed) =>
            signed
              .split('\n')
              .map((line) =>
                line.startsWith('_') && line.includes('._tcp.tampered.') && /\sTLSA\s/.test(line)
                  ? line.replace(theirs.split(' ')[3] as string, mine.split(' ')[3] as string)
                  : line,
              )
              .join('\n'),
        },
        [{ origin: 'plain.test', records: ports.map((p) => `_${p}._tcp.mail IN TLSA ${mine}`) }],
      )
      dane = { address: unbound.server }
    })

    afterAll(async () => {
      await unbound?.stop()
      await Promise.all(
        [imapOk, imapNo, imapPkix, imapStarttls, pop3Ok, pop3No, smtpOk, smtpNo].map((x) => x?.close()),
      )
    })

    const trust = { ca: pki.caCert, lookup: loopbackLookup }

    describe('IMAP', () => {
      const connect = async (host: string, latches: string[], server: FakeImapServer, withDane = true) => {
        const setup = await imap.commit(server.port, { transport: 'implicit-tls', host, latches })
        return { setup, attempt: setup.connect({ trust, ...(withDane ? { dane } : {}) }) }
      }

      it('passes a self-signed server whose 3 1 1 record validates, under a DANE-only commitment', async () => {
        const { setup, attempt } = await connect('ee.example.test', ['tls-dane-tlsa'], imapOk)
        await (await attempt).logout()
        expect(setup.reports).toEqual([])
        expect(imapOk.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(true)
      })

      it('passes over STARTTLS too: the relaxed chain check applies to the upgraded socket', async () => {
        const setup = await imap.commit(imapStarttls.port, {
          transport: 'starttls',
          host: 'ee.example.test',
          latches: ['tls-dane-tlsa'],
        })
        await (await setup.connect({ trust, dane })).logout()
        expect(setup.reports).toEqual([])
        const pkixOnly = await imap.commit(imapStarttls.port, {
          transport: 'starttls',
          host: 'ee.example.test',
          latches: ['tls-cert'],
        })
        await imap.expectRefused(pkixOnly, pkixOnly.connect({ trust, dane }), 'certificate_not_trusted')
      })

      it('refuses the same self-signed server under a PKIX commitment although its DANE is valid', async () => {
        const { setup, attempt } = await connect('ee.example.test', ['tls-cert'], imapNo)
        const report = await imap.expectRefused(setup, attempt, 'certificate_not_trusted')
        expect(report.violations.map((v) => v.code)).toEqual(['certificate_not_trusted'])
        imap.expectNoCredentials(imapNo)
      })

      it.each([
        ['wrong.example.test', 'tlsa-invalid', 'invalid'],
        ['tampered.example.test', 'dnssec-invalid', 'dnssec-invalid'],
        ['nodane.example.test', 'dane-required', 'no-records'],
        ['mail.plain.test', 'dane-required', 'insecure'],
      ])('refuses %s as %s (DANE %s) before ID and LOGIN', async (host, resultType, status) => {
        const { setup, attempt } = await connect(host, ['tls-dane-tlsa'], imapNo)
        const report = await imap.expectRefused(setup, attempt, 'dane_unsatisfied')
        expect(report.violations.find((v) => v.code === 'dane_unsatisfied')).toMatchObject({
          resultType,
          observed: status,
          tag: 'tls-dane-tlsa',
        })
        imap.expectNoCredentials(imapNo)
      })

      it('refuses a DANE commitment when no validating resolver is configured: the check never ran', async () => {
        // A CA-issued certificate, so PKIX passes and only the missing DANE check is left to refuse.
        const before = imapPkix.commands().length
        const { setup, attempt } = await connect(
          'both.example.test',
          ['tls-cert', 'tls-dane-tlsa'],
          imapPkix,
          false,
        )
        const report = await imap.expectRefused(setup, attempt, 'dane_unsatisfied')
        expect(report.violations).toEqual([
          expect.objectContaining({
            code: 'dane_unsatisfied',
            resultType: 'validation-failure',
            observed: 'missing',
          }),
        ])
        // The server is PKIX-authenticated, so it may be told in band (DEEP -04 §7.1); never logged in to.
        const sent = imapPkix.commands().slice(before)
        expect(sent.map((c) => c.name).filter((n) => n === 'LOGIN' || n === 'AUTHENTICATE')).toEqual([])
        expect(sent.some((c) => c.args.includes(FAKE_PASS))).toBe(false)
      })

      it('passes during a rollover with the old and the new record published side by side', async () => {
        const { setup, attempt } = await connect('roll.example.test', ['tls-dane-tlsa'], imapOk)
        await (await attempt).logout()
        expect(setup.reports).toEqual([])
      })

      it('requires both for pkix+dane, and a CA-issued certificate with a valid record passes', async () => {
        const { setup, attempt } = await connect('both.example.test', ['tls-cert', 'tls-dane-tlsa'], imapPkix)
        await (await attempt).logout()
        expect(setup.reports).toEqual([])
      })

      it('learns tls-dane-tlsa only from a session whose DANE outcome was valid', async () => {
        const learned = await connect('both.example.test', ['tls-cert'], imapPkix)
        await (await learned.attempt).logout()
        expect((await learned.setup.store.get(imap.ACCOUNT, 'imap'))?.latches).toContain('tls-dane-tlsa')

        const noDane = await connect('both.example.test', ['tls-cert'], imapPkix, false)
        await (await noDane.attempt).logout()
        expect((await noDane.setup.store.get(imap.ACCOUNT, 'imap'))?.latches).not.toContain('tls-dane-tlsa')
      })
    })

    describe('POP3', () => {
      const connect = async (host: string, latches: string[], server: FakePop3Server, withDane = true) => {
        const setup = await pop3.commit(server.port, { transport: 'implicit-tls', host, latches })
        return { setup, attempt: setup.connect({ trust, ...(withDane ? { dane } : {}) }) }
      }

      it('passes a self-signed server with a valid 3 1 1 record under a DANE-only commitment', async () => {
        const { setup, attempt } = await connect('ee.example.test', ['tls-dane-tlsa'], pop3Ok)
        await (await attempt).quit()
        expect(setup.reports).toEqual([])
      })

      it.each([
        ['ee.example.test', ['tls-cert'], 'certificate_not_trusted', undefined],
        ['wrong.example.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'tlsa-invalid'],
        ['tampered.example.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'dnssec-invalid'],
        ['mail.plain.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'dane-required'],
      ] as const)('refuses %s %j with %s before USER/PASS', async (host, latches, code, resultType) => {
        const { setup, attempt } = await connect(host, [...latches], pop3No)
        const report = await pop3.expectRefused(setup, attempt, code)
        if (resultType !== undefined)
          expect(report.violations.find((v) => v.code === code)?.resultType).toBe(resultType)
        await pop3.expectNoCredentials(pop3No)
      })
    })

    describe('submission', () => {
      const guarded = (server: FakeSmtpServer, host: string, latches: string[], withDane = true) =>
        smtp.guardedFor(
          server,
          { transport: 'implicit-tls', host, latches },
          {
            trust: { ca: pki.caCert, lookup: loopbackLookup },
            ...(withDane ? { dane } : {}),
          },
        )

      it('passes a self-signed server with a valid 3 1 1 record under a DANE-only commitment', async () => {
        const g = await guarded(smtpOk, 'ee.example.test', ['tls-dane-tlsa'])
        await g.mailer.sendMail(smtp.MESSAGE)
        expect(g.reports).toEqual([])
        g.mailer.close()
      })

      it.each([
        ['ee.example.test', ['tls-cert'], 'certificate_not_trusted', undefined],
        ['wrong.example.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'tlsa-invalid'],
        ['tampered.example.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'dnssec-invalid'],
        ['nodane.example.test', ['tls-dane-tlsa'], 'dane_unsatisfied', 'dane-required'],
      ] as const)('refuses %s %j with %s before AUTH', async (host, latches, code, resultType) => {
        const g = await guarded(smtpNo, host, [...latches])
        const refusal = await smtp.expectRefusal(g, () => g.mailer.sendMail(smtp.MESSAGE))
        const v = refusal.report.violations.find((x) => x.code === code)
        expect(v).toBeDefined()
        if (resultType !== undefined) expect(v?.resultType).toBe(resultType)
        smtp.expectNothingLeaked(smtpNo)
        g.mailer.close()
      })
    })
  },
)
