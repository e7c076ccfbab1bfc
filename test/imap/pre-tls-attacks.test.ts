// The NO STARTTLS attack classes on a STARTTLS commitment (spec digest §2a-I; RFC 2595 §3.1,
// RFC 9051 §6.2.1): each one refused before ID/LOGIN/AUTHENTICATE, with a report carrying the right
// violation code. Each guarded test is followed by a CONTRAST run of the same scenario through bare
// imapflow configured the way apps commonly do, showing what the guard prevents.

import { type FakeImapScript, type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { bareImapflow, commit, expectNoCredentials, expectRefused, pki, sawCredentials } from './harness.js'

// What an on-path attacker leaves of a server's pre-TLS capabilities (STARTTLS and LOGINDISABLED gone).
const STRIPPED = ['IMAP4rev1', 'ID', 'AUTH=PLAIN']
// Capabilities of a server that offers STARTTLS but does not forbid cleartext login.
const LAX = ['IMAP4rev1', 'STARTTLS', 'ID', 'AUTH=PLAIN']

describe('pre-TLS attacks on a STARTTLS commitment', () => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })
  const start = async (script: Omit<FakeImapScript, 'mode' | 'leaf'>) => {
    server = await startFakeImap({ mode: 'starttls', leaf: pki.good, ...script })
    return commit(server.port, { transport: 'starttls' })
  }

  describe('STARTTLS stripped from the capabilities (starttls_not_offered)', () => {
    it('refuses when the greeting lists capabilities without STARTTLS', async () => {
      const setup = await start({ capsBeforeTls: STRIPPED })
      const report = await expectRefused(setup, setup.connect(), 'starttls_not_offered')
      expect(report.observed?.capsBeforeTls).toEqual(STRIPPED)
      expectNoCredentials(server)
      expect(server.sawAny(['STARTTLS'])).toBe(false)
    })

    it('refuses when the CAPABILITY response lacks STARTTLS', async () => {
      const setup = await start({ capsBeforeTls: STRIPPED, capsInGreeting: false })
      await expectRefused(setup, setup.connect(), 'starttls_not_offered')
      expect(server.commands().map((c) => c.name)).toEqual(['CAPABILITY'])
      expectNoCredentials(server)
    })

    it('CONTRAST: bare imapflow with doSTARTTLS unset sends the password in cleartext', async () => {
      await start({ capsBeforeTls: STRIPPED })
      const { client, error } = await bareImapflow(server, { secure: false })
      expect(error).toBeUndefined()
      expect(server.sawAny(['ID', 'AUTHENTICATE'], 'plain')).toBe(true)
      expect(sawCredentials(server, 'plain')).toBe(true)
      client.close()
    })
  })

  describe('STARTTLS answered with NO or BAD (starttls_refused)', () => {
    it.each(['NO', 'BAD'] as const)('refuses on a tagged %s to STARTTLS', async (reply) => {
      const setup = await start({ capsBeforeTls: LAX, starttlsReply: reply })
      await expectRefused(setup, setup.connect(), 'starttls_refused')
      expect(server.commands().map((c) => c.name)).toEqual(['STARTTLS'])
      expectNoCredentials(server)
    })

    it('CONTRAST: bare imapflow with doSTARTTLS unset carries on in cleartext and logs in', async () => {
      await start({ capsBeforeTls: LAX, starttlsReply: 'NO' })
      const { client, error } = await bareImapflow(server, { secure: false })
      expect(error).toBeUndefined()
      expect(sawCredentials(server, 'plain')).toBe(true)
      client.close()
    })
  })

  describe('PREAUTH greeting on a connection that must upgrade (preauth_before_tls)', () => {
    it('refuses a PREAUTH greeting before anything is sent', async () => {
      const setup = await start({ greeting: 'PREAUTH' })
      await expectRefused(setup, setup.connect(), 'preauth_before_tls')
      expect(server.commands()).toEqual([])
      expectNoCredentials(server)
    })

    it('CONTRAST: bare imapflow with doSTARTTLS unset runs a whole cleartext session', async () => {
      await start({ greeting: 'PREAUTH', capsBeforeTls: LAX })
      const { client, error } = await bareImapflow(server, { secure: false })
      expect(error).toBeUndefined()
      expect(client.secureConnection).toBe(false)
      await client.mailboxOpen('INBOX')
      expect(server.sawAny(['ID', 'SELECT'], 'plain')).toBe(true)
      client.close()
    })
  })

  describe('plaintext injected after "OK Begin TLS" (bytes_after_starttls)', () => {
    const INJECTED = '* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n'

    it('refuses bytes that arrive in the same segment as the STARTTLS reply', async () => {
      const setup = await start({ inject: { data: INJECTED, when: 'same-segment' } })
      const report = await expectRefused(setup, setup.connect(), 'bytes_after_starttls')
      expect(report.observed?.transport).toBe('plaintext')
      expectNoCredentials(server)
    })

    it('blames plaintext that answers the ClientHello on the server not speaking TLS, not on injection', async () => {
      // Honest blame (issue #13): these bytes arrived after the ClientHello was sent, where a TLS
      // record belongs; bytes_after_starttls is only for bytes between the STARTTLS reply and the hello.
      const setup = await start({ inject: { data: INJECTED, when: 'after-client-hello' } })
      const report = await expectRefused(setup, setup.connect(), 'tls_handshake_failed')
      expect(report.violations.map((v) => v.code)).not.toContain('bytes_after_starttls')
      expect(report.violations[0]?.observed).toMatch(/^server did not speak TLS/)
      expectNoCredentials(server)
    })

    it('CONTRAST: bare imapflow also refuses, but with an uncoded error and no report', async () => {
      await start({ inject: { data: INJECTED, when: 'same-segment' } })
      const { error } = await bareImapflow(server, { secure: false, doSTARTTLS: true })
      expect((error as { code?: string }).code).toBe('STARTTLS_INJECTION')
      expect(error).not.toHaveProperty('report')
    })
  })

  describe('unsolicited responses or [ALERT] text before TLS (untagged_before_tls)', () => {
    it('refuses an [ALERT] greeting and never hands its text to the app', async () => {
      const alert = 'Your password expired, re-enter it at http://phish.example.invalid'
      const setup = await start({ greetingAlert: alert })
      const logged: unknown[] = []
      const log = (entry: unknown) => logged.push(entry)
      const logger = { debug: log, info: log, warn: log, error: log }
      const error = await setup.connect({ logger }).catch((e: unknown) => e)
      expect(String((error as Error).message)).not.toContain('phish')
      expect(JSON.stringify(logged)).not.toContain('phish')
      setup.events.splice(0)
      setup.reports.splice(0)
      await expectRefused(setup, setup.connect(), 'untagged_before_tls')
      expectNoCredentials(server)
    })

    it('refuses an unsolicited ID response carrying a DEEP status, and learns nothing from it', async () => {
      const setup = await start({ afterGreeting: ['* ID ("deep" "tls12 tls-cert <https://evil.example/>")'] })
      await expectRefused(setup, setup.connect(), 'untagged_before_tls')
      expectNoCredentials(server)
    })

    it('CONTRAST: bare imapflow surfaces the pre-TLS alert text to the app as an alert event', async () => {
      await start({ greetingAlert: 'Call +1-555-0100 to unlock your account' })
      const client = new (await import('imapflow')).ImapFlow({
        host: server.host,
        port: server.port,
        secure: false,
        doSTARTTLS: true,
        logger: false,
        auth: { user: 'x', pass: 'y' },
        tls: { ca: pki.caCert, servername: 'localhost' },
      })
      const alerts: string[] = []
      client.on('alert', (a: { message: string }) => alerts.push(a.message))
      client.on('error', () => undefined)
      await client.connect().catch(() => undefined)
      expect(alerts).toEqual(['Call +1-555-0100 to unlock your account'])
      client.close()
    })
  })
})
