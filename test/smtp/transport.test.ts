// The guarded transport on compliant servers: what goes over the wire and in which order, verify()
// semantics, SASL mechanism choice, pooled sending, and options the SDK refuses.
import type { LookupFunction } from 'node:net'
import { isSdkError } from '@mua-sts/core'
import { type GuardedSentMessageInfo, type GuardedSmtpTransport, guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { type FakeSmtpScript, FakeSmtpServer } from '@mua-sts/testing'
import { createTransport } from 'nodemailer'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { ACCOUNT, expectRefusal, guardedFor, MESSAGE, PASS, USER } from './harness.js'

let server: FakeSmtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const pki = testPki()
const start = async (script: Partial<FakeSmtpScript> & Pick<FakeSmtpScript, 'mode'>) => {
  server = await FakeSmtpServer.start({ leaf: pki.good, credentials: { user: USER, pass: PASS }, ...script })
  return server
}

describe('sending over implicit TLS (RFC 8314)', () => {
  it('delivers the message after AUTH over the verified TLS session', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const g = await guardedFor(s, { transport: 'implicit-tls', pins: [pki.good.spki] })

    const info = (await g.mailer.sendMail(MESSAGE)) as GuardedSentMessageInfo
    await s.settled()

    expect(info.accepted).toEqual(['bob@example.test'])
    expect(info.envelope).toEqual({ from: USER, to: ['bob@example.test'] })
    expect(s.verbs('plain')).toEqual([])
    // No QUIT after a one-message send: it closes as bare nodemailer does (issue #17, no extra turn).
    expect(s.verbs('tls')).toEqual(['EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA'])
    expect(s.logins).toEqual([{ conn: 1, phase: 'tls', user: USER, ok: true }])
    expect(s.connections[0]?.tlsProtocol).toBe('TLSv1.3')
    // Issue #14: the connection's security record, the same name as IMAP's and POP3's client.security.
    expect(info.security).toMatchObject({
      outcome: 'passed',
      service: 'submission',
      tls: { version: 'TLSv1.3' },
      certificate: { spkiSha256: pki.good.spki },
    })
    expect(JSON.stringify(info.security)).not.toContain(PASS)
    expect((g.mailer.transporter as unknown as GuardedSmtpTransport).security).toEqual(info.security)
    expect(s.delivered[0]?.data.toString()).toContain('.leading dot survives transparency')
    expect(g.reports).toEqual([])
  })

  it('dials through trust.lookup but checks the certificate against the committed name', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const asked: string[] = []
    const lookup = ((host: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
      asked.push(host)
      if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }])
      else cb(null, '127.0.0.1', 4)
    }) as unknown as LookupFunction
    const g = await guardedFor(
      s,
      { transport: 'implicit-tls', host: 'mail.example.test' },
      { trust: { ca: pki.caCert, lookup } },
    )

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(asked).toEqual(['mail.example.test'])
    expect(s.delivered).toHaveLength(1)
  })
})

describe('sending over STARTTLS (RFC 3207)', () => {
  it('sends only EHLO and STARTTLS in cleartext, one at a time, then EHLO again over TLS', async () => {
    const s = await start({ mode: 'starttls' })
    const g = await guardedFor(s, { transport: 'starttls' })

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(s.clientBytes('plain').toString('latin1')).toBe('EHLO [127.0.0.1]\r\nSTARTTLS\r\n')
    expect(s.chunks.filter((c) => c.phase === 'plain').map((c) => c.bytes.toString('latin1'))).toEqual([
      'EHLO [127.0.0.1]\r\n',
      'STARTTLS\r\n',
    ])
    expect(s.verbs('tls')).toEqual(['EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA'])
    expect(s.delivered).toHaveLength(1)
  })

  it('uses only the capabilities read after TLS', async () => {
    const s = await start({
      mode: 'starttls',
      ehloBeforeTls: [
        'STARTTLS',
        'AUTH LOGIN',
        'DEEP tls12 tls-cert <https://attacker.example/>',
        'MSTS tls-version=1.3',
      ],
      ehloAfterTls: ['AUTH PLAIN'],
    })
    const g = await guardedFor(s, { transport: 'starttls' })

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(s.commands.find((c) => c.verb === 'AUTH')?.line).toMatch(/^AUTH PLAIN /)
    expect(s.verbs()).not.toContain('CLIENT')
    expect(await g.current()).toEqual(g.commitment)
  })

  it('never sends STARTTLS inside TLS, even when the post-TLS EHLO lists it', async () => {
    const s = await start({ mode: 'starttls', ehloAfterTls: ['STARTTLS', 'AUTH PLAIN'] })
    const g = await guardedFor(s, { transport: 'starttls' })

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(s.verbs('tls')).toEqual(['EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA'])
  })

  it('authenticates when AUTH appears only after TLS', async () => {
    const s = await start({ mode: 'starttls', ehloBeforeTls: ['STARTTLS'], ehloAfterTls: ['AUTH LOGIN'] })
    const g = await guardedFor(s, { transport: 'starttls' })

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(s.verbs('tls')).toEqual(['EHLO', 'AUTH', '(sasl)', '(sasl)', 'MAIL', 'RCPT', 'DATA'])
    expect(s.logins).toEqual([{ conn: 1, phase: 'tls', user: USER, ok: true }])
  })
})

describe('verify()', () => {
  it('resolves true only after the server accepted the credentials', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    await expect(g.mailer.verify()).resolves.toBe(true)
    await s.settled()

    expect(s.verbs()).toEqual(['EHLO', 'AUTH', 'QUIT'])
    expect(s.logins).toEqual([{ conn: 1, phase: 'tls', user: USER, ok: true }])
  })

  it('rejects with MUASTS_ERR_AUTH_FAILED when the server refuses the credentials', async () => {
    const s = await start({ mode: 'implicit-tls', credentials: { user: USER, pass: 'something else' } })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    const error = await g.mailer.verify().catch((e: unknown) => e)
    await s.settled()

    expect(isSdkError(error, 'MUASTS_ERR_AUTH_FAILED')).toBe(true)
    // What happened and what to do (#16), with only the reply codes of the server's answer.
    expect(String((error as Error).message)).toMatch(
      /^The SMTP server rejected the login \(535[^)]*\)\. Check the username and password/,
    )
    expect(g.reports).toEqual([])
  })

  it('rejects instead of resolving true when the server offers no AUTH after TLS', async () => {
    const s = await start({ mode: 'implicit-tls', ehloAfterTls: ['PIPELINING', '8BITMIME'] })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    const error = await g.mailer.verify().catch((e: unknown) => e)
    await s.settled()

    expect(isSdkError(error, 'MUASTS_ERR_PROTOCOL')).toBe(true)
    expect(String((error as Error).message)).toContain('offers no sign-in method this SDK uses')
    expect(s.verbs()).toEqual(['EHLO', 'QUIT'])
  })
})

describe('a server that drops the session after the TLS handshake', () => {
  it('is still judged: a pin mismatch is reported even without a greeting', async () => {
    const s = await start({ mode: 'implicit-tls', leaf: pki.rekeyed, closeAfterHandshake: true })
    const g = await guardedFor(s, { transport: 'implicit-tls', pins: [pki.good.spki] })

    const refusal = await expectRefusal(g, () => g.mailer.sendMail(MESSAGE))
    await s.settled()

    expect(refusal.report.violations.map((v) => v.code)).toEqual(['spki_pin_mismatch'])
  })

  it('is a connection error, not a report, when the session met the commitment', async () => {
    const s = await start({ mode: 'implicit-tls', closeAfterHandshake: true })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    const error = await g.mailer.sendMail(MESSAGE).catch((e: unknown) => e)
    await s.settled()

    expect(isSdkError(error, 'MUASTS_ERR_CONNECTION')).toBe(true)
    expect(g.reports).toEqual([])
  })
})

describe('SASL mechanism', () => {
  it('sends an OAuth 2.0 token with XOAUTH2', async () => {
    const s = await start({ mode: 'implicit-tls', credentials: { user: USER, accessToken: 'ya29.token' } })
    const g = await guardedFor(
      s,
      { transport: 'implicit-tls' },
      { auth: { user: USER, accessToken: 'ya29.token' } },
    )

    await g.mailer.sendMail(MESSAGE)
    await s.settled()

    expect(s.commands.find((c) => c.verb === 'AUTH')?.line).toMatch(/^AUTH XOAUTH2 /)
    expect(s.logins).toEqual([{ conn: 1, phase: 'tls', user: USER, ok: true }])
  })

  it('never falls back to a mechanism the credentials cannot use', async () => {
    const s = await start({ mode: 'implicit-tls', ehloAfterTls: ['AUTH CRAM-MD5'] })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    const error = await g.mailer.sendMail(MESSAGE).catch((e: unknown) => e)
    await s.settled()

    expect(isSdkError(error, 'MUASTS_ERR_PROTOCOL')).toBe(true)
    expect(s.verbs()).not.toContain('AUTH')
  })
})

describe('pooled sending', () => {
  it('reuses one guarded, authenticated session for several messages', async () => {
    const s = await start({ mode: 'starttls' })
    const g = await guardedFor(s, { transport: 'starttls' }, { pool: true, maxConnections: 1 })

    await Promise.all([1, 2, 3].map((n) => g.mailer.sendMail({ ...MESSAGE, subject: `message ${n}` })))
    g.mailer.close()
    await s.settled()

    expect(s.connections).toHaveLength(1)
    expect(s.verbs('plain')).toEqual(['EHLO', 'STARTTLS'])
    expect(s.verbs('tls').filter((v) => v === 'AUTH')).toHaveLength(1)
    expect(s.delivered).toHaveLength(3)
  })

  it('runs the guard on every new pooled connection', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const g = await guardedFor(
      s,
      { transport: 'implicit-tls' },
      { pool: true, maxConnections: 2, maxMessages: 1 },
    )

    await Promise.all([1, 2, 3, 4].map((n) => g.mailer.sendMail({ ...MESSAGE, subject: `message ${n}` })))
    g.mailer.close()
    await s.settled(4)

    expect(s.connections).toHaveLength(4)
    for (const c of s.connections) {
      const verbs = s.commands.filter((x) => x.conn === c.id).map((x) => x.verb)
      expect(verbs.slice(0, 2)).toEqual(['EHLO', 'AUTH'])
    }
    expect(s.delivered).toHaveLength(4)
  })

  it('refuses every pooled send when the server no longer meets the commitment', async () => {
    const s = await start({ mode: 'implicit-tls', leaf: pki.rekeyed })
    const g = await guardedFor(s, { transport: 'implicit-tls', pins: [pki.good.spki] }, { pool: true })

    const results = await Promise.allSettled([1, 2].map(() => g.mailer.sendMail(MESSAGE)))
    g.mailer.close()
    await s.settled(2)

    for (const r of results)
      expect(r.status === 'rejected' && isSdkError(r.reason, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
    expect(g.reports).toHaveLength(2)
    expect(s.verbs()).not.toContain('AUTH')
  })
})

describe('what the transport refuses', () => {
  const base = { account: ACCOUNT, store: new MemoryCommitmentStore(), auth: { user: USER, pass: PASS } }

  it.each([
    'secure',
    'requireTLS',
    'ignoreTLS',
    'opportunisticTLS',
    'forceAuth',
    'tls',
    'host',
    'port',
    'connection',
    'getSocket',
    'proxy',
  ])('refuses the SDK-owned option %s with MUASTS_ERR_INVALID_OPTION', (key) => {
    const error = (() => {
      try {
        guardedSmtpTransport({
          ...base,
          [key]: key === 'tls' ? { rejectUnauthorized: false } : true,
        } as never)
      } catch (e) {
        return e
      }
    })()
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(String((error as Error).message)).toContain(`options.${key}`)
  })

  it('refuses credentials that could end the AUTH line early, without echoing them', () => {
    const error = (() => {
      try {
        guardedSmtpTransport({ ...base, auth: { user: 'alice\r\nMAIL FROM:<x>', pass: 'hunter2-secret' } })
      } catch (e) {
        return e
      }
    })()
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(
      JSON.stringify({ m: (error as Error).message, d: (error as { details?: unknown }).details }),
    ).not.toContain('hunter2-secret')
  })

  it('rejects per-message auth instead of ignoring it', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const g = await guardedFor(s, { transport: 'implicit-tls' })

    const error = await g.mailer
      .sendMail({ ...MESSAGE, auth: { user: 'mallory', pass: 'x' } })
      .catch((e: unknown) => e)

    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(s.connections).toHaveLength(0)
  })

  it('rejects a proxy socket handler set on the nodemailer object and never calls it', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const g = await guardedFor(s, { transport: 'implicit-tls' })
    let called = false
    g.mailer.getSocket = (_options, callback) => {
      called = true
      callback(null, false)
    }

    const error = await g.mailer.sendMail(MESSAGE).catch((e: unknown) => e)

    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(called).toBe(false)
    expect(s.connections).toHaveLength(0)
  })

  it('opens no connection when the account has no commitment', async () => {
    const s = await start({ mode: 'implicit-tls' })
    const mailer = createTransport(guardedSmtpTransport({ ...base, store: new MemoryCommitmentStore() }))

    const error = await mailer.sendMail(MESSAGE).catch((e: unknown) => e)

    expect(isSdkError(error, 'MUASTS_ERR_NO_COMMITMENT')).toBe(true)
    expect(s.connections).toHaveLength(0)
  })
})
