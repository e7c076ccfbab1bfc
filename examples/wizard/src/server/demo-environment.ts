// DEMO ONLY: a whole mail domain on 127.0.0.1, so the wizard runs with no network. Real TLS with a CA
// made on the spot, real protocol dialogs, fake DNS. Nothing here weakens a check: the probe and the
// guards get the demo CA as their only trust anchor and a lookup that dials 127.0.0.1, while every
// certificate is still checked against the discovered host name (RFC 7817).
//
// example.test publishes, by SRV (RFC 6186, RFC 8314 §5.1):
//   IMAP        evil.example.test     implicit TLS, SRV priority 0  → certificate from an untrusted CA
//               mail.example.test     implicit TLS and STARTTLS     → good, DEEP "tls12 tls-cert <url>"
//   submission  smtp.mailhost.test    implicit TLS (outside the domain: the user must confirm it);
//               STARTTLS submission "." (not offered), so no trusted candidate outranks it
//   POP3        "." (not offered)
// unlisted.test publishes nothing at all: its user types mail.unlisted.test in by hand (implicit-TLS
// IMAP and STARTTLS submission), which is the wizard's manual-entry path.
import type { LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import type { DiscoverOptions, DiscoveryFetch } from '@mua-sts/setup'
import {
  type DnsZone,
  dnsZone,
  FAKE_PASS,
  FAKE_USER,
  type FakeImapServer,
  FakeSmtpServer,
  generatePki,
  type Pki,
  srv,
  startFakeImap,
} from '@mua-sts/testing'
import type { GuardTrust } from '../verify.js'

/** DEEP -04 status the good servers advertise after TLS (IMAP ID `deep`, SMTP EHLO `DEEP`). */
export const DEMO_DEEP = 'tls12 tls-cert <https://status.example.test/mail>'
export const DEMO_HOSTS = [
  'mail.example.test',
  'evil.example.test',
  'smtp.mailhost.test',
  'mail.unlisted.test',
] as const

/** The unlisted.test account: no DNS records, servers the user enters by hand. */
export type UnlistedAccount = {
  readonly user: string
  readonly pass: string
  readonly host: 'mail.unlisted.test'
  readonly imapsPort: number
  readonly submissionPort: number
}

export type DemoEnvironment = {
  /** The demo CA (PEM): the only trust anchor of the probe and the guards. */
  readonly ca: string
  /** The whole demo PKI, for tests that swap a server's certificate (e.g. to `otherCa`). */
  readonly pki: Pki
  /** Dials every demo host on 127.0.0.1; any other name does not resolve (so nothing leaves the host). */
  readonly lookup: LookupFunction
  readonly zone: DnsZone
  /** The example.test account's credentials (its IMAP and SMTP servers accept them). */
  readonly user: string
  readonly pass: string
  readonly unlisted: UnlistedAccount
  readonly servers: {
    readonly imaps: FakeImapServer
    readonly imap: FakeImapServer
    readonly evilImaps: FakeImapServer
    readonly smtps: FakeSmtpServer
    readonly unlistedImaps: FakeImapServer
    readonly unlistedSubmission: FakeSmtpServer
  }
  /** setup-wizard options that point discovery, the probe and the guards at this environment. */
  readonly trust: GuardTrust
  readonly discover: Omit<DiscoverOptions, 'signal'>
  close(): Promise<void>
}

function demoLookup(): LookupFunction {
  const hosts: ReadonlySet<string> = new Set(DEMO_HOSTS)
  return (hostname, options, callback) => {
    const cb = callback as (e: Error | null, a?: string | LookupAddress[], f?: number) => void
    if (!hosts.has(hostname.toLowerCase())) {
      cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }))
      return
    }
    const address = '127.0.0.1'
    if (typeof options === 'object' && options?.all === true) cb(null, [{ address, family: isIP(address) }])
    else cb(null, address, isIP(address))
  }
}

// The demo domain serves no autoconfig document: every HTTPS source answers 404 (a diagnostic).
const noDocuments: DiscoveryFetch = async () => ({ status: 404, body: '', validatedHttps: true })

const UNLISTED_USER = 'carol@unlisted.test'
const UNLISTED_PASS = 'demo-carol-password-51d2'

/** Starts the demo servers on 127.0.0.1 (kernel-chosen ports). Does I/O; close() stops everything. */
export async function startDemoEnvironment(): Promise<DemoEnvironment> {
  const pki = await generatePki([
    'mail.example.test',
    '*.example.test',
    'smtp.mailhost.test',
    'mail.unlisted.test',
  ])
  const welcome = 'Subject: Welcome\r\nFrom: postmaster@example.test\r\n\r\nPinned and guarded.\r\n'
  const imapScript = { leaf: pki.good, id: { name: 'demo', deep: DEMO_DEEP }, messages: [welcome] }
  const ehloAfterTls = ['PIPELINING', 'AUTH PLAIN LOGIN', `DEEP ${DEMO_DEEP}`]
  const smtpScript = { leaf: pki.good, ehloAfterTls, credentials: { user: FAKE_USER, pass: FAKE_PASS } }
  const carol = { user: UNLISTED_USER, pass: UNLISTED_PASS }
  const servers = {
    imaps: await startFakeImap({ mode: 'implicit', ...imapScript }),
    imap: await startFakeImap({ mode: 'starttls', ...imapScript }),
    // A hijacked SRV target: right names, but the certificate chains to a CA nobody trusts.
    evilImaps: await startFakeImap({ mode: 'implicit', leaf: pki.otherCa }),
    smtps: await FakeSmtpServer.start({ mode: 'implicit-tls', ...smtpScript }),
    // unlisted.test advertises no DEEP status: what gets pinned is only what the probe saw.
    unlistedImaps: await startFakeImap({ mode: 'implicit', leaf: pki.good, ...carol }),
    unlistedSubmission: await FakeSmtpServer.start({
      mode: 'starttls',
      leaf: pki.good,
      ehloAfterTls: ['PIPELINING', 'AUTH PLAIN LOGIN'],
      credentials: carol,
    }),
  }
  const zone = dnsZone({
    '_imaps._tcp.example.test': {
      SRV: [
        srv(0, 1, servers.evilImaps.port, 'evil.example.test'),
        srv(10, 1, servers.imaps.port, 'mail.example.test'),
      ],
    },
    '_imap._tcp.example.test': { SRV: [srv(10, 1, servers.imap.port, 'mail.example.test')] },
    '_submissions._tcp.example.test': { SRV: [srv(0, 1, servers.smtps.port, 'smtp.mailhost.test')] },
    '_submission._tcp.example.test': { SRV: [srv(0, 0, 0, '.')] },
    '_pop3s._tcp.example.test': { SRV: [srv(0, 0, 0, '.')] },
    '_pop3._tcp.example.test': { SRV: [srv(0, 0, 0, '.')] },
  })
  const lookup = demoLookup()
  return {
    ca: pki.caCert,
    pki,
    lookup,
    zone,
    user: FAKE_USER,
    pass: FAKE_PASS,
    unlisted: {
      ...carol,
      host: 'mail.unlisted.test',
      imapsPort: servers.unlistedImaps.port,
      submissionPort: servers.unlistedSubmission.port,
    },
    servers,
    trust: { ca: pki.caCert, lookup },
    // No guessing: guessed names would dial well-known ports on 127.0.0.1 that nobody here serves.
    discover: { resolver: zone, fetch: noDocuments, sources: { guess: false } },
    close: async () => {
      await Promise.all(Object.values(servers).map((s) => s.close()))
    },
  }
}
