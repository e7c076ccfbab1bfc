// The attack scenarios, as data, shared by the guarded tests (attacks.test.ts) and the guard-removed
// controls (bare-nodemailer.control.test.ts): each names the fake server's misbehaviour, the
// commitment it violates, the violation the guard must report, and the stock nodemailer options an app
// typically uses, under which the same server does get credentials or mail.
import type { ViolationCode } from '@mua-sts/core'
import type { FakeSmtpScript } from '@mua-sts/testing'
import type { SMTPTransportOptions } from 'nodemailer'
import { testPki } from '../support/certs.js'
import type { CommitmentShape } from './harness.js'

export type Scenario = {
  readonly name: string
  readonly script: () => FakeSmtpScript
  readonly commitment: CommitmentShape
  /** The violation code the report must contain. */
  readonly violation: ViolationCode
  /** Bare nodemailer options (besides host/port/auth) under which the same server gets `leaks`. */
  readonly bare: Omit<SMTPTransportOptions, 'host' | 'port' | 'auth'>
  /** What the server receives from bare nodemailer: credentials, or the message itself. */
  readonly leaks: 'AUTH' | 'MAIL'
}

const pki = testPki()
const starttls = (extra: Partial<FakeSmtpScript> = {}): FakeSmtpScript => ({
  mode: 'starttls',
  leaf: pki.good,
  ...extra,
})
const implicit = (extra: Partial<FakeSmtpScript> = {}): FakeSmtpScript => ({
  mode: 'implicit-tls',
  leaf: pki.good,
  ...extra,
})
const trustingCa = { tls: { ca: pki.caCert, servername: 'localhost' } }
const acceptingAnyCertificate = { tls: { rejectUnauthorized: false } }

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'STARTTLS is not advertised (stripped from EHLO)',
    script: () => starttls({ ehloBeforeTls: ['PIPELINING', 'AUTH PLAIN LOGIN'] }),
    commitment: { transport: 'starttls' },
    violation: 'starttls_not_offered',
    bare: { secure: false },
    leaks: 'AUTH',
  },
  {
    name: 'EHLO is refused before TLS (no way to negotiate STARTTLS)',
    script: () => starttls({ ehloBeforeTls: 'refuse' }),
    commitment: { transport: 'starttls' },
    violation: 'starttls_not_offered',
    bare: { secure: false },
    leaks: 'AUTH',
  },
  {
    name: 'STARTTLS is refused with 454',
    script: () => starttls({ starttlsReply: '454 4.7.0 TLS not available due to temporary reason' }),
    commitment: { transport: 'starttls' },
    violation: 'starttls_refused',
    bare: { secure: false, opportunisticTLS: true },
    leaks: 'MAIL',
  },
  {
    name: 'STARTTLS is refused with 501',
    script: () => starttls({ starttlsReply: '501 5.5.4 Syntax error' }),
    commitment: { transport: 'starttls' },
    violation: 'starttls_refused',
    bare: { secure: false, opportunisticTLS: true },
    leaks: 'MAIL',
  },
  {
    name: 'bytes are injected right after "220 Ready to start TLS"',
    script: () => starttls({ injectAfterStarttls: '250-fake.example.test\r\n250 AUTH PLAIN LOGIN\r\n' }),
    commitment: { transport: 'starttls' },
    violation: 'bytes_after_starttls',
    bare: { requireTLS: true, ...trustingCa },
    leaks: 'AUTH',
  },
  {
    name: 'a TLS 1.2-only server answers a commitment that requires TLS 1.3',
    script: () => implicit({ tls: { maxVersion: 'TLSv1.2' } }),
    commitment: { transport: 'implicit-tls', tlsFloor: 'TLSv1.3' },
    violation: 'tls_version_below_floor',
    bare: { secure: true, ...trustingCa },
    leaks: 'AUTH',
  },
  {
    name: 'a TLS 1.1 server (OpenSSL SECLEVEL=0) answers a TLS 1.2 floor',
    script: () =>
      implicit({ tls: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } }),
    commitment: { transport: 'implicit-tls' },
    violation: 'tls_version_below_floor',
    bare: { secure: true, tls: { ...trustingCa.tls, minVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } },
    leaks: 'AUTH',
  },
  {
    name: 'the certificate is for another host',
    script: () => implicit({ leaf: pki.wrongHost }),
    commitment: { transport: 'implicit-tls' },
    violation: 'certificate_host_mismatch',
    bare: { secure: true, ...acceptingAnyCertificate },
    leaks: 'AUTH',
  },
  {
    name: 'the certificate for another host appears behind STARTTLS',
    script: () => starttls({ leaf: pki.wrongHost }),
    commitment: { transport: 'starttls' },
    violation: 'certificate_host_mismatch',
    bare: { requireTLS: true, ...acceptingAnyCertificate },
    leaks: 'AUTH',
  },
  {
    name: 'the certificate has expired',
    script: () => implicit({ leaf: pki.expired }),
    commitment: { transport: 'implicit-tls' },
    violation: 'certificate_expired',
    bare: { secure: true, ...acceptingAnyCertificate },
    leaks: 'AUTH',
  },
  {
    name: 'the certificate comes from an untrusted CA',
    script: () => implicit({ leaf: pki.otherCa }),
    commitment: { transport: 'implicit-tls' },
    violation: 'certificate_not_trusted',
    bare: { secure: true, ...acceptingAnyCertificate },
    leaks: 'AUTH',
  },
  {
    name: 'the certificate is self-signed',
    script: () => implicit({ leaf: pki.selfSigned }),
    commitment: { transport: 'implicit-tls' },
    violation: 'certificate_not_trusted',
    bare: { secure: true, ...acceptingAnyCertificate },
    leaks: 'AUTH',
  },
  {
    name: 'the server was re-keyed while its key is pinned (chain still valid)',
    script: () => implicit({ leaf: pki.rekeyed }),
    commitment: { transport: 'implicit-tls', pins: [pki.good.spki] },
    violation: 'spki_pin_mismatch',
    bare: { secure: true, ...trustingCa },
    leaks: 'AUTH',
  },
  {
    name: 'a cleartext server offering STARTTLS sits where the commitment says implicit TLS',
    script: () => starttls(),
    commitment: { transport: 'implicit-tls' },
    violation: 'tls_handshake_failed',
    bare: { secure: false, ...trustingCa },
    leaks: 'AUTH',
  },
]
