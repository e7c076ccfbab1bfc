import { describe, expect, it } from 'vitest'
import { goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { evaluate } from './evaluate.js'
import type { Violation } from './violation.js'

function codes(v: ReturnType<typeof evaluate>): string[] {
  return v.outcome === 'ok' ? [] : v.violations.map((x) => x.code)
}
function only(v: ReturnType<typeof evaluate>): Violation {
  expect(v.outcome).toBe('violated')
  if (v.outcome !== 'violated') throw new Error('unreachable')
  expect(v.violations).toHaveLength(1)
  return v.violations[0] as Violation
}

describe('evaluate()', () => {
  const c = sampleCommitment()

  it('accepts a compliant implicit-TLS session', () => {
    expect(evaluate(c, goodObservation())).toEqual({ outcome: 'ok' })
  })

  it('accepts TLS 1.2 with a 128-bit AEAD suite when only tls12 is latched', () => {
    const o = goodObservation({
      tls: { version: 'TLSv1.2', cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', cipherBits: 128 },
    })
    expect(evaluate(c, o).outcome).toBe('ok')
  })

  it.each([
    ['starttls_not_offered', 'starttls-not-supported'],
    ['starttls_refused', 'starttls-not-supported'],
    ['preauth_before_tls', 'starttls-not-supported'],
    ['bytes_after_starttls', 'validation-failure'],
    ['untagged_before_tls', 'validation-failure'],
  ] as const)('refuses the pre-TLS anomaly %s (TLSRPT %s)', (anomaly, resultType) => {
    const starttls = sampleCommitment({
      endpoint: { host: 'imap.example.net', port: 993, transport: 'starttls' },
    })
    const o = goodObservation({
      transport: 'plaintext',
      tls: undefined,
      certificate: undefined,
      anomalies: [anomaly],
    } as never)
    const v = only(evaluate(starttls, o))
    expect(v).toMatchObject({ code: anomaly, resultType })
  })

  it('refuses a plaintext session that shows no anomaly', () => {
    const o = goodObservation({ transport: 'plaintext', tls: undefined, certificate: undefined } as never)
    expect(only(evaluate(c, o))).toMatchObject({
      code: 'tls_not_established',
      resultType: 'starttls-not-supported',
    })
  })

  it('refuses STARTTLS on an account committed to implicit TLS (RFC 8314 §3)', () => {
    expect(only(evaluate(c, goodObservation({ transport: 'starttls' })))).toMatchObject({
      code: 'implicit_tls_downgraded',
      expected: 'implicit-tls',
      observed: 'starttls',
    })
  })

  it('accepts implicit TLS on an account committed to STARTTLS (stronger is fine)', () => {
    const starttls = sampleCommitment({
      endpoint: { host: 'imap.example.net', port: 993, transport: 'starttls' },
    })
    expect(evaluate(starttls, goodObservation()).outcome).toBe('ok')
  })

  it('refuses a connection to another endpoint', () => {
    expect(
      only(evaluate(c, goodObservation({ endpoint: { host: 'evil.example', port: 993 } }))),
    ).toMatchObject({
      code: 'endpoint_mismatch',
    })
  })

  it('refuses TLS 1.1 under the RFC 8997 floor and names the tls12 latch for latch-fail', () => {
    const o = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
    expect(only(evaluate(c, o))).toMatchObject({
      code: 'tls_version_below_floor',
      tag: 'tls12',
      observed: 'TLSv1.1',
    })
  })

  it('refuses TLS 1.2 when the server latched tls-version=1.3 (-05 §7.1)', () => {
    const strict = sampleCommitment({ directives: { tlsVersion: '1.3' } })
    const o = goodObservation({
      tls: { version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', cipherBits: 256 },
    })
    expect(only(evaluate(strict, o))).toMatchObject({
      code: 'tls_version_below_floor',
      tag: 'tls-version',
      expected: '>= TLSv1.3',
    })
  })

  it('classifies a handshake refused for protocol version as a version violation', () => {
    const o = goodObservation({
      tls: undefined,
      certificate: undefined,
      handshakeError: 'ERR_SSL_UNSUPPORTED_PROTOCOL',
    } as never)
    expect(only(evaluate(c, o))).toMatchObject({ code: 'tls_version_below_floor' })
  })

  it('does not mistake a peer that speaks no TLS at all for a version downgrade', () => {
    const o = goodObservation({
      tls: undefined,
      certificate: undefined,
      handshakeError: 'ERR_SSL_WRONG_VERSION_NUMBER',
    } as never)
    expect(only(evaluate(c, o))).toMatchObject({ code: 'tls_handshake_failed' })
  })

  it('reports other handshake failures as tls_handshake_failed', () => {
    const o = goodObservation({
      tls: undefined,
      certificate: undefined,
      handshakeError: 'ECONNRESET',
    } as never)
    expect(only(evaluate(c, o))).toMatchObject({
      code: 'tls_handshake_failed',
      resultType: 'validation-failure',
    })
  })

  it('refuses a cipher below 128 bits (DEEP -04 §11.2)', () => {
    const o = goodObservation({ tls: { version: 'TLSv1.2', cipher: 'DES-CBC3-SHA', cipherBits: 112 } })
    expect(only(evaluate(c, o))).toMatchObject({ code: 'cipher_too_weak', tag: 'tls12' })
  })

  it.each([
    [
      { chainTrusted: false, chainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', expired: false, nameMatch: null },
      'certificate_not_trusted',
      'certificate-not-trusted',
    ],
    [
      { chainTrusted: false, chainError: 'CERT_HAS_EXPIRED', expired: true, nameMatch: null },
      'certificate_expired',
      'certificate-expired',
    ],
    [
      { chainTrusted: true, expired: false, nameMatch: false },
      'certificate_host_mismatch',
      'certificate-host-mismatch',
    ],
  ] as const)(
    'refuses a bad certificate %# as %s with TLSRPT %s and the tls-cert tag',
    (certificate, code, resultType) => {
      const o = goodObservation({ certificate: { ...certificate } })
      expect(only(evaluate(c, o))).toMatchObject({ code, resultType, tag: 'tls-cert' })
    },
  )

  it('refuses a trusted chain whose name was never checked (e.g. a resumed session)', () => {
    const o = goodObservation({ certificate: { chainTrusted: true, expired: false, nameMatch: null } })
    expect(only(evaluate(c, o))).toMatchObject({ code: 'certificate_host_mismatch', observed: 'not checked' })
  })

  it('refuses a TLS session without any certificate', () => {
    expect(only(evaluate(c, goodObservation({ certificate: undefined } as never)))).toMatchObject({
      code: 'certificate_not_trusted',
    })
  })

  it('refuses a re-keyed server when pinned, tagged spki-pin for latch-fail', () => {
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    expect(only(evaluate(pinned, goodObservation()))).toMatchObject({
      code: 'spki_pin_mismatch',
      tag: 'spki-pin',
      observed: SAMPLE_SPKI,
    })
  })

  it('accepts a backup pin', () => {
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [SAMPLE_SPKI] } })
    expect(evaluate(pinned, goodObservation()).outcome).toBe('ok')
  })

  it.each([
    [undefined, 'validation-failure'],
    ['no-records', 'dane-required'],
    ['insecure', 'dane-required'],
    ['invalid', 'tlsa-invalid'],
    ['dnssec-invalid', 'dnssec-invalid'],
  ] as const)('refuses a tls-dane-tlsa latch when DANE is %s (TLSRPT %s)', (status, resultType) => {
    const dane = sampleCommitment({ latches: ['tls-dane-tlsa'] })
    const o = goodObservation(status === undefined ? {} : { dane: { status } })
    expect(only(evaluate(dane, o))).toMatchObject({
      code: 'dane_unsatisfied',
      tag: 'tls-dane-tlsa',
      resultType,
    })
  })

  it('accepts a tls-dane-tlsa latch when DANE validated', () => {
    const dane = sampleCommitment({ latches: ['tls-dane-tlsa'] })
    expect(evaluate(dane, goodObservation({ dane: { status: 'valid' } })).outcome).toBe('ok')
  })

  const selfSigned = (status?: 'valid' | 'invalid') =>
    goodObservation({
      certificate: {
        chainTrusted: false,
        chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        expired: false,
        nameMatch: true,
      },
      ...(status === undefined ? {} : { dane: { status } }),
    })

  it('accepts a certificate no CA vouches for under a DANE-only commitment once DANE is valid (#15)', () => {
    for (const c of [
      sampleCommitment({ latches: ['tls12', 'tls-dane-tlsa'] }),
      sampleCommitment({ latches: ['tls12'], directives: { tlsCert: 'dane' } }),
    ]) {
      expect(evaluate(c, selfSigned('valid')).outcome).toBe('ok')
      expect(codes(evaluate(c, selfSigned('invalid')))).toEqual([
        'certificate_not_trusted',
        'dane_unsatisfied',
      ])
    }
  })

  it('still requires PKIX beside valid DANE for pkix+dane, a tls-cert latch, or no DANE requirement (#15)', () => {
    for (const c of [
      sampleCommitment({ latches: ['tls12'], directives: { tlsCert: 'pkix+dane' } }),
      sampleCommitment({ latches: ['tls-cert', 'tls-dane-tlsa'] }),
      sampleCommitment({ latches: ['tls12'] }),
    ]) {
      expect(codes(evaluate(c, selfSigned('valid')))).toEqual(['certificate_not_trusted'])
    }
  })

  it('requires DANE for a -05 tls-cert=pkix+dane directive', () => {
    const d = sampleCommitment({ directives: { tlsCert: 'pkix+dane' } })
    expect(codes(evaluate(d, goodObservation()))).toEqual(['dane_unsatisfied'])
  })

  it('ignores unknown latched tags it cannot check', () => {
    expect(
      evaluate(sampleCommitment({ latches: ['tls-cert', 'tls12', 'x-future'] }), goodObservation()).outcome,
    ).toBe('ok')
  })

  it('lists every failing rule, not just the first', () => {
    const o = goodObservation({
      transport: 'starttls',
      tls: { version: 'TLSv1.1', cipher: 'RC4-MD5', cipherBits: 0 },
      certificate: { chainTrusted: false, expired: true, nameMatch: false },
    })
    expect(codes(evaluate(c, o))).toEqual([
      'implicit_tls_downgraded',
      'tls_version_below_floor',
      'cipher_too_weak',
      'certificate_expired',
      'certificate_host_mismatch',
    ])
  })
})
