import { describe, expect, it } from 'vitest'
import { advertisementOf, authMechanisms, clientDialect, ehloCapabilities, offersStartTls } from './ehlo.js'

describe('ehloCapabilities', () => {
  it('drops the greeting line and keeps the extension lines', () => {
    expect(
      ehloCapabilities({ code: 250, lines: ['mail.example.test hi', 'PIPELINING', ' STARTTLS ', ''] }),
    ).toEqual(['PIPELINING', 'STARTTLS'])
  })

  it('returns undefined for a refused EHLO', () => {
    expect(ehloCapabilities({ code: 502, lines: ['not accepted'] })).toBeUndefined()
  })
})

describe('offersStartTls', () => {
  it('finds the STARTTLS keyword case-insensitively and only as a whole keyword', () => {
    expect(offersStartTls(['starttls'])).toBe(true)
    expect(offersStartTls(['XSTARTTLS', 'X-STARTTLS-LIKE'])).toBe(false)
  })
})

describe('authMechanisms (RFC 4954 §3)', () => {
  it('reads AUTH and the legacy AUTH= form, upper-cased and de-duplicated', () => {
    expect(authMechanisms(['AUTH plain LOGIN', 'AUTH=LOGIN XOAUTH2', 'SIZE 100'])).toEqual([
      'PLAIN',
      'LOGIN',
      'XOAUTH2',
    ])
  })

  it('ignores tokens that cannot be mechanism names', () => {
    expect(authMechanisms(['AUTH PLAIN <script>'])).toEqual(['PLAIN'])
  })
})

describe('advertisementOf (post-TLS EHLO only)', () => {
  it('reads DEEP -04 status and -05 MSTS policy', () => {
    expect(
      advertisementOf([
        'DEEP tls12 tls-cert <https://status.example.test/>',
        'MSTS tls-version=1.2; tls-cert=pkix',
      ]),
    ).toEqual({
      deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.test/' },
      sts: { tlsVersion: '1.2', tlsCert: 'pkix' },
    })
  })

  it('ignores a DEEP status it cannot parse', () => {
    expect(advertisementOf(['DEEP tls12 \u0001'])).toBeUndefined()
  })

  it('is undefined when the server advertises nothing', () => {
    expect(advertisementOf(['PIPELINING'])).toBeUndefined()
  })
})

describe('clientDialect', () => {
  it('prefers MSTS (-05) over DEEP (-04)', () => {
    expect(clientDialect(['DEEP', 'MSTS tls-cert=pkix'])).toBe('05')
    expect(clientDialect(['DEEP tls12'])).toBe('04')
    expect(clientDialect(['PIPELINING'])).toBeUndefined()
  })
})
