import { describe, expect, it } from 'vitest'
import { dnsIdMatches, matchServerIdentity, parseSubjectAltName } from './rfc7817.js'

describe('RFC 7817 / RFC 6125 identity checks', () => {
  it.each([
    ['mail.example.net', 'mail.example.net', true],
    ['MAIL.Example.NET', 'mail.example.net', true],
    ['mail.example.net.', 'mail.example.net', true],
    ['*.example.net', 'mail.example.net', true],
    ['*.example.net', 'example.net', false],
    ['*.example.net', 'a.b.example.net', false],
    ['*.net', 'example.net', false],
    ['m*.example.net', 'mail.example.net', false],
    ['mail.*.net', 'mail.example.net', false],
    ['mail.example.net ', 'mail.example.net', false],
    ['mail.example.net\u00a0', 'mail.example.net', false],
    [' mail.example.net', 'mail.example.net', false],
    ['mail.exam\u212aple.net', 'mail.examkple.net', false],
    ['', 'mail.example.net', false],
  ])('DNS-ID %j vs reference %j → %s', (presented, reference, expected) => {
    expect(dnsIdMatches(presented, reference)).toBe(expected)
  })

  it('uses CN-ID only when the certificate has no DNS-ID (RFC 6125 §6.4.4)', () => {
    expect(
      matchServerIdentity(['mail.example.net'], {
        dnsNames: [],
        ipAddresses: [],
        commonName: 'mail.example.net',
      }),
    ).toEqual({
      match: true,
      identity: 'mail.example.net',
    })
    expect(
      matchServerIdentity(['mail.example.net'], {
        dnsNames: ['other.example.net'],
        ipAddresses: [],
        commonName: 'mail.example.net',
      }),
    ).toEqual({ match: false })
  })

  it('matches IP references only against IP SANs', () => {
    expect(matchServerIdentity(['127.0.0.1'], { dnsNames: ['127.0.0.1'], ipAddresses: [] })).toEqual({
      match: false,
    })
    expect(matchServerIdentity(['127.0.0.1'], { dnsNames: [], ipAddresses: ['127.0.0.1'] })).toMatchObject({
      match: true,
    })
  })

  it('splits Node subjectaltname strings', () => {
    expect(parseSubjectAltName('DNS:a.example, IP Address:127.0.0.1, URI:https://x')).toEqual({
      dnsNames: ['a.example'],
      ipAddresses: ['127.0.0.1'],
    })
  })
})
