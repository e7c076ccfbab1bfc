// Edge cases of the server identity check that a looser matcher would pass (issue #16 item 8): each
// row is a certificate that must not authenticate a host, or one that must.
import { describe, expect, it } from 'vitest'
import { dnsIdMatches, matchServerIdentity, parseSubjectAltName } from './rfc7817.js'

const none = { dnsNames: [], ipAddresses: [] }

describe('dnsIdMatches() edges', () => {
  it.each([
    ['mail.example.net', '', false],
    ['', '', false],
    ['.', '.', false],
    ['-mail.example.net', '-mail.example.net', false],
    ['mail-.example.net', 'mail-.example.net', false],
    ['mail.example.net-', 'mail.example.net-', false],
    ['mail_x.example.net', 'mail_x.example.net', false],
    ['mail..example.net', 'mail..example.net', false],
    ['m-x.example.net', 'm-x.example.net', true],
    ['a.b', 'a.b', true],
    [`${'a'.repeat(63)}.example.net`, `${'a'.repeat(63)}.example.net`, true],
    [`${'a'.repeat(64)}.example.net`, `${'a'.repeat(64)}.example.net`, false],
    [`mail.${'b'.repeat(63)}.net`, `mail.${'b'.repeat(63)}.net`, true],
    [`mail.${'b'.repeat(64)}.net`, `mail.${'b'.repeat(64)}.net`, false],
    ['mail.ex-ample.net', 'mail.ex-ample.net', true],
    ['*.example.net', 'example.net', false],
    ['*.example.net', '.example.net', false],
    ['*.*.example.net', 'a.b.example.net', false],
    ['*.ex*ample.net', 'a.ex*ample.net', false],
    ['**.example.net', 'a.example.net', false],
    ['*', 'example', false],
    ['*.a', 'b.a', false],
  ])('DNS-ID %j vs reference %j → %s', (presented, reference, expected) => {
    expect(dnsIdMatches(presented, reference)).toBe(expected)
  })
})

describe('matchServerIdentity() edges', () => {
  it('matches an IP reference only against IP identities, case-insensitively for IPv6', () => {
    expect(matchServerIdentity(['10.20.30.40'], { dnsNames: [], ipAddresses: ['10.20.30.40'] })).toEqual({
      match: true,
      identity: '10.20.30.40',
    })
    expect(matchServerIdentity(['10.20.30.40'], { dnsNames: ['10.20.30.40'], ipAddresses: [] })).toEqual({
      match: false,
    })
    expect(matchServerIdentity(['10.20.30.40'], { dnsNames: [], ipAddresses: ['10.20.30.41'] })).toEqual({
      match: false,
    })
    expect(matchServerIdentity(['1.2.3.44'], { dnsNames: [], ipAddresses: ['1.2.3.44'] }).match).toBe(true)
    expect(matchServerIdentity(['fe80::ab'], { dnsNames: [], ipAddresses: ['FE80::AB'] })).toEqual({
      match: true,
      identity: 'fe80::ab',
    })
  })

  it('treats a name that merely contains a dotted quad as a DNS name', () => {
    for (const name of ['x1.2.3.4', '1.2.3.4x', '1.2.3.4.example']) {
      expect(matchServerIdentity([name], { dnsNames: [name], ipAddresses: [name] })).toEqual({
        match: true,
        identity: name,
      })
      expect(matchServerIdentity([name], { dnsNames: [], ipAddresses: [name] })).toEqual({ match: false })
    }
  })

  it('tries every DNS-ID and every reference, and ignores a CN beside any DNS-ID', () => {
    const presented = { dnsNames: ['other.example', 'mail.example.net'], ipAddresses: [] }
    expect(matchServerIdentity(['mail.example.net'], presented)).toEqual({
      match: true,
      identity: 'mail.example.net',
    })
    expect(matchServerIdentity(['nope.example', 'MAIL.example.net.'], presented)).toEqual({
      match: true,
      identity: 'mail.example.net',
    })
    expect(
      matchServerIdentity(['mail.example.net'], {
        dnsNames: ['other.example'],
        ipAddresses: [],
        commonName: 'mail.example.net',
      }),
    ).toEqual({ match: false })
    expect(matchServerIdentity(['mail.example.net'], none)).toEqual({ match: false })
    expect(matchServerIdentity(['mail.example.net'], { ...none, commonName: 'other.example' })).toEqual({
      match: false,
    })
  })
})

describe('parseSubjectAltName() edges', () => {
  it('splits with or without a space after the comma and keeps only DNS and IP entries', () => {
    expect(parseSubjectAltName('DNS:a.example,DNS:b.example, IP Address:10.0.0.1,  URI:https://x')).toEqual({
      dnsNames: ['a.example', 'b.example'],
      ipAddresses: ['10.0.0.1'],
    })
    expect(parseSubjectAltName(undefined)).toEqual({ dnsNames: [], ipAddresses: [] })
    expect(parseSubjectAltName('')).toEqual({ dnsNames: [], ipAddresses: [] })
  })
})
