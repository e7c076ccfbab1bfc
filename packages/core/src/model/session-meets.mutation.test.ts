// What a session meets decides what strengthen() may latch forever (DEEP -04 §11.2, -05 §6), so each
// condition is pinned at its boundary (issue #16 item 8): one field short of the condition fails it.
import { describe, expect, it } from 'vitest'
import { goodObservation } from '../testing/fixtures.js'
import { daneValid, isServerAuthenticated, pkixValid } from './observation.js'
import { tlsRank } from './primitives.js'
import { meetsTag, meetsTlsCert, meetsTlsVersion } from './session-meets.js'

const tls = (version: string, cipherBits = 256) => ({ version, cipher: 'X', cipherBits })
const noTls = goodObservation({ tls: undefined, certificate: undefined } as never)
const daneOk = goodObservation({ dane: { status: 'valid' } })
const selfSigned = { chainTrusted: false, expired: false, nameMatch: true }

describe('meetsTag()', () => {
  it.each([
    ['tls11', 'TLSv1.1', 128, true],
    ['tls11', 'TLSv1', 256, false],
    ['tls11', 'TLSv1.1', 127, false],
    ['tls12', 'TLSv1.2', 128, true],
    ['tls12', 'TLSv1.1', 256, false],
    ['tls12', 'TLSv1.3', 127, false],
  ] as const)('%s on %s with %i-bit cipher: %s', (tag, version, bits, expected) => {
    expect(meetsTag(tag, goodObservation({ tls: tls(version, bits) }))).toBe(expected)
  })

  it('meets no TLS tag without TLS', () => {
    for (const tag of ['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa'] as const)
      expect(meetsTag(tag, noTls)).toBe(false)
  })

  it('meets tls-cert only on a PKIX-valid, name-matched certificate', () => {
    expect(meetsTag('tls-cert', goodObservation())).toBe(true)
    expect(meetsTag('tls-cert', goodObservation({ certificate: selfSigned }))).toBe(false)
  })

  it('meets tls-dane-tlsa only with valid DANE and a matched name, whatever PKIX says', () => {
    expect(
      meetsTag('tls-dane-tlsa', goodObservation({ certificate: selfSigned, dane: { status: 'valid' } })),
    ).toBe(true)
    expect(meetsTag('tls-dane-tlsa', goodObservation())).toBe(false)
    expect(meetsTag('tls-dane-tlsa', goodObservation({ dane: { status: 'invalid' } }))).toBe(false)
    const unmatched = { ...selfSigned, nameMatch: false }
    expect(
      meetsTag('tls-dane-tlsa', goodObservation({ certificate: unmatched, dane: { status: 'valid' } })),
    ).toBe(false)
    const unchecked = { ...selfSigned, nameMatch: null }
    expect(
      meetsTag('tls-dane-tlsa', goodObservation({ certificate: unchecked, dane: { status: 'valid' } })),
    ).toBe(false)
    expect(
      meetsTag(
        'tls-dane-tlsa',
        goodObservation({ certificate: undefined, dane: { status: 'valid' } } as never),
      ),
    ).toBe(false)
  })
})

describe('meetsTlsCert()', () => {
  it.each([
    ['any', 'PKIX only', goodObservation(), true],
    ['any', 'self-signed, no DANE', goodObservation({ certificate: selfSigned }), true],
    ['any', 'no TLS', noTls, false],
    ['pkix', 'PKIX only', goodObservation(), true],
    ['pkix', 'DANE only', goodObservation({ certificate: selfSigned, dane: { status: 'valid' } }), false],
    ['dane', 'DANE only', goodObservation({ certificate: selfSigned, dane: { status: 'valid' } }), true],
    ['dane', 'PKIX only', goodObservation(), false],
    ['pkix+dane', 'both', daneOk, true],
    ['pkix+dane', 'PKIX only', goodObservation(), false],
    [
      'pkix+dane',
      'DANE only',
      goodObservation({ certificate: selfSigned, dane: { status: 'valid' } }),
      false,
    ],
  ] as const)('%s on a session with %s: %s', (directive, _what, o, expected) => {
    expect(meetsTlsCert(directive, o)).toBe(expected)
  })
})

describe('meetsTlsVersion()', () => {
  it.each([
    ['1.2', 'TLSv1.2', true],
    ['1.2', 'TLSv1.1', false],
    ['1.3', 'TLSv1.3', true],
    ['1.3', 'TLSv1.2', false],
  ] as const)('tls-version=%s on %s: %s', (v, version, expected) => {
    expect(meetsTlsVersion(v, goodObservation({ tls: tls(version) }))).toBe(expected)
  })

  it('is not met without TLS', () => {
    expect(meetsTlsVersion('1.1', noTls)).toBe(false)
  })
})

describe('server authentication', () => {
  it('needs TLS for PKIX and DANE alike', () => {
    const plainDane = goodObservation({ tls: undefined, dane: { status: 'valid' } } as never)
    expect(pkixValid(goodObservation({ tls: undefined } as never))).toBe(false)
    expect(daneValid(plainDane)).toBe(false)
    expect(daneValid(daneOk)).toBe(true)
  })

  it('is refused on plaintext or a failed handshake even when the certificate looked right', () => {
    expect(isServerAuthenticated(goodObservation())).toBe(true)
    expect(
      isServerAuthenticated(goodObservation({ certificate: selfSigned, dane: { status: 'valid' } })),
    ).toBe(true)
    expect(isServerAuthenticated(goodObservation({ certificate: selfSigned }))).toBe(false)
    expect(isServerAuthenticated(goodObservation({ transport: 'plaintext' }))).toBe(false)
    expect(isServerAuthenticated(goodObservation({ handshakeError: 'ECONNRESET' }))).toBe(false)
    expect(goodObservation({ transport: 'plaintext' }).serverAuthenticated).toBe(false)
  })
})

describe('tlsRank()', () => {
  it('orders the versions Node reports and puts unknown and absent below all of them', () => {
    const order = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
    expect(order.map(tlsRank)).toEqual([0, 1, 2, 3, 4, 5])
    expect(tlsRank(undefined)).toBe(-1)
    expect(tlsRank('TLSv9')).toBe(-1)
    expect(tlsRank('toString')).toBe(-1)
  })
})
