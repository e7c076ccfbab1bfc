// The TLS options the guard builds for one connection (integration notes §8.3): SNI only for host
// names, the account's trust anchors in whichever form the app gave them, and the RFC 7817 identity
// callback, fed the certificate shapes Node can hand it.
import { once } from 'node:events'
import tls, { type PeerCertificate } from 'node:tls'
import { type Commitment, createCommitment } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../../../test/support/certs.js'
import { createTlsParams } from './tls-params.js'

const pki = testPki()
const servers: tls.Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

function commitment(host: string, port = 993): Commitment {
  return createCommitment({
    account: 'acct_t',
    service: 'imap',
    host,
    port,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
}

describe('createTlsParams()', () => {
  it('sends SNI for a host name and never for an IP literal (RFC 6066 §3)', () => {
    expect(createTlsParams(commitment('mail.example.test')).options.servername).toBe('mail.example.test')
    expect(createTlsParams(commitment('127.0.0.1')).options).not.toHaveProperty('servername')
  })

  it.each([
    ['one PEM string', () => pki.caCert],
    ['a list of PEM strings', () => [pki.otherCaCert, pki.caCert]],
  ])('trusts anchors given as %s, in the handshake itself', async (_, ca) => {
    const s = tls.createServer({ key: pki.good.key, cert: pki.good.cert }, (sock) => sock.end())
    servers.push(s)
    s.listen(0, '127.0.0.1')
    await once(s, 'listening')
    const params = createTlsParams(commitment('localhost', (s.address() as { port: number }).port), {
      ca: ca(),
    })
    expect(params.options.ca).toEqual([ca()].flat())
    const sock = tls.connect({ ...params.options, host: '127.0.0.1' })
    await once(sock, 'secureConnect')
    expect(sock.authorized).toBe(true)
    expect(params.identity).toMatchObject({ nameMatch: true, spkiSha256: pki.good.spki })
    sock.destroy()
  })

  it('sets no trust anchors of its own when the app gave none (the system store applies)', () => {
    expect(createTlsParams(commitment('mail.example.test')).options).not.toHaveProperty('ca')
  })
})

describe('the RFC 7817 identity callback', () => {
  // Node calls it with the parsed peer certificate; `raw` only feeds the SPKI pin, not the name check.
  const check = (host: string, cert: Partial<PeerCertificate>) => {
    const params = createTlsParams(commitment(host))
    const error = params.options.checkServerIdentity?.(host, {
      raw: Buffer.alloc(0),
      ...cert,
    } as PeerCertificate)
    return { error, identity: params.identity }
  }

  it('falls back to the subject CN only when the certificate lists no DNS name', () => {
    const cnOnly = check('mail.example.test', {
      subject: { CN: 'mail.example.test' } as PeerCertificate['subject'],
    })
    expect(cnOnly.error).toBeUndefined()
    expect(cnOnly.identity).toStrictEqual({ nameMatch: true, matchedIdentity: 'mail.example.test' })
    const withSan = check('mail.example.test', {
      subject: { CN: 'mail.example.test' } as PeerCertificate['subject'],
      subjectaltname: 'DNS:other.example.test',
    })
    expect(withSan.error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    expect(withSan.identity).toStrictEqual({ nameMatch: false })
  })

  it('refuses a subject with several CNs instead of picking one', () => {
    const r = check('mail.example.test', {
      subject: { CN: ['evil.example', 'mail.example.test'] } as unknown as PeerCertificate['subject'],
    })
    expect(r.error).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: 'certificate is not valid for mail.example.test (RFC 7817)',
    })
    expect(r.identity).toStrictEqual({ nameMatch: false })
  })

  it('refuses a certificate without a subject or names, without throwing', () => {
    const r = check('mail.example.test', { subject: undefined as unknown as PeerCertificate['subject'] })
    expect(r.error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    expect(r.identity).toStrictEqual({ nameMatch: false })
  })
})
