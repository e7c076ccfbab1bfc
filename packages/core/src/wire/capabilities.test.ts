import { describe, expect, it } from 'vitest'
import { hasCapability, parseDeepCapability, parseStsCapability } from './capabilities.js'
import { parseReceivedTls, renderReceivedTls } from './received-tls.js'

describe('DEEP/MSTS in POP3 CAPA and SMTP EHLO (-04 §7.2–7.3, -05 §9.3)', () => {
  it('reads the POP3 CAPA DEEP line of the digest example', () => {
    const lines = ['UIDL', 'SASL PLAIN EXTERNAL', 'DEEP tls11 tls-cert <https://status.example.net/mail-tls>']
    expect(parseDeepCapability(lines)).toEqual({
      ok: true,
      value: { tags: ['tls11', 'tls-cert'], url: 'https://status.example.net/mail-tls', ignored: [] },
    })
  })

  it('reads an empty DEEP line as an empty status, and a missing one as undefined', () => {
    expect(parseDeepCapability(['deep'])).toEqual({ ok: true, value: { tags: [], ignored: [] } })
    expect(parseDeepCapability(['UIDL', 'DEEPER tls12'])).toBeUndefined()
  })

  it('reads EHLO MSTS and POP3 STS policies', () => {
    expect(parseStsCapability(['PIPELINING', 'MSTS tls-version=1.2; tls-cert=pkix'])).toMatchObject({
      ok: true,
      value: { tlsVersion: '1.2', tlsCert: 'pkix' },
    })
    expect(parseStsCapability(['STS tls-version=1.1'])).toMatchObject({
      ok: true,
      value: { tlsVersion: '1.1' },
    })
  })

  it('matches capability keywords on the first token only', () => {
    expect(hasCapability(['STARTTLS', 'AUTH PLAIN'], 'starttls')).toBe(true)
    expect(hasCapability(['X-STARTTLS'], 'STARTTLS')).toBe(false)
  })
})

describe('Received tls/group clause (RFC 8314 §4.3)', () => {
  it('finds the clause in a folded header', () => {
    const h =
      'from laptop.example.org (laptop.example.org [192.0.2.10])\r\n        by submit.example.net with ESMTPSA id 7QK2\r\n        tls TLS_AES_256_GCM_SHA384 group x25519;\r\n        Wed, 16 Mar 2016 09:12:44 +0000'
    expect(parseReceivedTls(h)).toEqual({ cipher: 'TLS_AES_256_GCM_SHA384', group: 'x25519' })
  })

  it('accepts the hex form and ignores comments', () => {
    expect(parseReceivedTls('by x (tls in a comment) tls 0xC02F;')).toEqual({ cipher: '0xC02F' })
  })

  it('round-trips render → parse', () => {
    for (const r of [
      { cipher: 'TLS_AES_128_GCM_SHA256' },
      { cipher: 'TLS_CHACHA20_POLY1305_SHA256', group: 'secp256r1' },
    ]) {
      expect(parseReceivedTls(`by x with ESMTPS ${renderReceivedTls(r)}; date`)).toEqual(r)
    }
  })

  it('returns undefined for hostile or absent input', () => {
    expect(parseReceivedTls('by x with ESMTP;')).toBeUndefined()
    expect(parseReceivedTls('tls AES-128-GCM')).toBeUndefined()
    expect(parseReceivedTls(`tls ${'A'.repeat(9000)}`)).toBeUndefined()
  })
})
