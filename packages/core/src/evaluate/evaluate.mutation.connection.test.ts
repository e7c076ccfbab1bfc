// Whole-verdict assertions for every branch of every rule (issue #16 item 8): the report a refused
// connection produces is exactly what each rule says, so no guard line can change unnoticed. Kept apart
// from evaluate.test.ts, which reads as the behaviour spec; this file pins the exact evidence of the
// connection rules (transport, TLS version, cipher); evaluate.mutation.certificate.test.ts the rest.
import { describe, expect, it } from 'vitest'
import { goodObservation, sampleCommitment } from '../testing/fixtures.js'
import { evaluate } from './evaluate.js'
import { noTls, violations } from './evaluate.mutation.fixtures.js'
import { isNotTls, isVersionFailure } from './rules/handshake-error.js'
import { requiredTlsVersion } from './rules/tls-version.js'

const plainStarttls = sampleCommitment({
  endpoint: { host: 'imap.example.net', port: 993, transport: 'starttls' },
})

describe('evaluate() evidence, rule by rule', () => {
  it.each([
    ['starttls_not_offered', 'starttls-not-supported', 'STARTTLS advertised before TLS'],
    ['starttls_refused', 'starttls-not-supported', 'positive reply to STARTTLS'],
    ['preauth_before_tls', 'starttls-not-supported', 'no PREAUTH on a connection that must upgrade to TLS'],
    [
      'bytes_after_starttls',
      'validation-failure',
      'no bytes between the STARTTLS reply and the TLS handshake',
    ],
    ['untagged_before_tls', 'validation-failure', 'no unsolicited responses before TLS'],
    ['stalled_before_tls', 'validation-failure', 'TLS established within the connect deadline'],
  ] as const)('reports the pre-TLS anomaly %s alone, as itself', (anomaly, resultType, expected) => {
    const o = goodObservation({ transport: 'plaintext', ...noTls, anomalies: [anomaly] } as never)
    expect(violations(plainStarttls, o)).toEqual([
      { code: anomaly, resultType, path: ['anomalies'], expected, observed: anomaly },
    ])
  })

  it('reports two anomalies in the order they were seen', () => {
    const o = goodObservation({
      transport: 'plaintext',
      ...noTls,
      anomalies: ['untagged_before_tls', 'starttls_refused'],
    } as never)
    expect(violations(plainStarttls, o).map((v) => v.code)).toEqual([
      'untagged_before_tls',
      'starttls_refused',
    ])
  })

  it('names the committed transport when a plaintext session shows no anomaly, and checks nothing else', () => {
    const o = goodObservation({
      transport: 'plaintext',
      ...noTls,
      handshakeError: 'ERR_SSL_UNSUPPORTED_PROTOCOL',
    } as never)
    expect(violations(plainStarttls, o)).toEqual([
      {
        code: 'tls_not_established',
        resultType: 'starttls-not-supported',
        path: ['transport'],
        expected: 'starttls',
        observed: 'plaintext',
      },
    ])
  })

  it('leaves a plaintext session to the transport rule even when a handshake error is recorded', () => {
    const o = goodObservation({ transport: 'plaintext', ...noTls, handshakeError: 'ECONNRESET' } as never)
    expect(violations(plainStarttls, o).map((v) => v.code)).toEqual(['tls_not_established'])
  })

  it.each([
    [{ host: 'evil.example', port: 993 }, 'evil.example:993'],
    [{ host: 'imap.example.net', port: 143 }, 'imap.example.net:143'],
  ])('refuses another endpoint (%o) and names both', (endpoint, observed) => {
    expect(violations(sampleCommitment(), goodObservation({ endpoint }))).toEqual([
      {
        code: 'endpoint_mismatch',
        resultType: 'validation-failure',
        path: ['endpoint'],
        expected: 'imap.example.net:993',
        observed,
      },
    ])
  })

  it('refuses STARTTLS under an implicit-TLS commitment and accepts it under a STARTTLS one', () => {
    expect(violations(sampleCommitment(), goodObservation({ transport: 'starttls' }))).toEqual([
      {
        code: 'implicit_tls_downgraded',
        resultType: 'validation-failure',
        path: ['transport'],
        expected: 'implicit-tls',
        observed: 'starttls',
      },
    ])
    expect(evaluate(plainStarttls, goodObservation({ transport: 'starttls' }))).toEqual({ outcome: 'ok' })
  })
})

describe('TLS version rule', () => {
  it.each([
    [{ latches: [] }, { version: 'TLSv1.2', tag: undefined }],
    [{ latches: ['tls11'] }, { version: 'TLSv1.2', tag: undefined }],
    [{ latches: ['tls12'] }, { version: 'TLSv1.2', tag: 'tls12' }],
    [{ latches: ['tls11', 'tls12'] }, { version: 'TLSv1.2', tag: 'tls12' }],
    [
      { latches: ['tls12'], directives: { tlsVersion: '1.2' } },
      { version: 'TLSv1.2', tag: 'tls12' },
    ],
    [
      { latches: [], directives: { tlsVersion: '1.1' } },
      { version: 'TLSv1.2', tag: undefined },
    ],
    [
      { latches: [], directives: { tlsVersion: '1.2' } },
      { version: 'TLSv1.2', tag: 'tls-version' },
    ],
    [
      { latches: ['tls12'], directives: { tlsVersion: '1.3' } },
      { version: 'TLSv1.3', tag: 'tls-version' },
    ],
    [
      { latches: [], tlsFloor: 'TLSv1.3' },
      { version: 'TLSv1.3', tag: undefined },
    ],
    [
      { latches: ['tls12'], tlsFloor: 'TLSv1.3' },
      { version: 'TLSv1.3', tag: undefined },
    ],
  ] as const)('requires the strictest source: %o -> %o', (overrides, required) => {
    expect(requiredTlsVersion(sampleCommitment(overrides as never))).toEqual(required)
  })

  it('raises a floor below TLS 1.2 to a tls11 latch', () => {
    // Today's schema floors are TLS 1.2 and 1.3 (RFC 8997), so only a hand-built commitment has a lower
    // one; the rule must still take the strictest source rather than rely on that.
    const lowFloor = (latches: string[]) => sampleCommitment({ tlsFloor: 'TLSv1' as never, latches })
    expect(requiredTlsVersion(lowFloor([]))).toEqual({ version: 'TLSv1', tag: undefined })
    expect(requiredTlsVersion(lowFloor(['tls11']))).toEqual({ version: 'TLSv1.1', tag: 'tls11' })
    expect(requiredTlsVersion(lowFloor(['tls11', 'tls12']))).toEqual({ version: 'TLSv1.2', tag: 'tls12' })
  })

  it('accepts exactly the required version and refuses the one below it, with the full evidence', () => {
    const floor13 = sampleCommitment({ tlsFloor: 'TLSv1.3', latches: [] })
    const tls12 = { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', cipherBits: 256 }
    expect(evaluate(sampleCommitment(), goodObservation({ tls: tls12 }))).toEqual({ outcome: 'ok' })
    expect(violations(floor13, goodObservation({ tls: tls12 }))).toEqual([
      {
        code: 'tls_version_below_floor',
        resultType: 'validation-failure',
        path: ['tls', 'version'],
        expected: '>= TLSv1.3',
        observed: 'TLSv1.2',
      },
    ])
  })

  it('turns a protocol-version handshake failure into a version violation naming the latch', () => {
    const o = goodObservation({ ...noTls, handshakeError: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' } as never)
    expect(violations(sampleCommitment(), o)).toEqual([
      {
        code: 'tls_version_below_floor',
        tag: 'tls12',
        resultType: 'validation-failure',
        path: ['tls', 'version'],
        expected: '>= TLSv1.2',
        observed: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      },
    ])
  })

  it('finds no version or certificate fault when TLS is down without any handshake error', () => {
    expect(violations(sampleCommitment({ latches: [] }), goodObservation(noTls as never))).toEqual([])
  })

  it.each([
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', true],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', true],
    ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', true],
    ['ERR_SSL_VERSION_TOO_LOW', true],
    ['err_ssl_version_too_low', true],
    ['ERR_SSL_WRONG_VERSION_NUMBER', false],
    ['ECONNRESET', false],
    [undefined, false],
  ] as const)('isVersionFailure(%s) is %s', (code, expected) => {
    expect(isVersionFailure(code)).toBe(expected)
  })

  it.each([
    ['ERR_SSL_WRONG_VERSION_NUMBER', true],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', true],
    ['ERR_SSL_HTTP_REQUEST', true],
    ['ERR_SSL_RECORD_LENGTH_MISMATCH', true],
    ['err_ssl_wrong_version_number', true],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', false],
    ['ECONNRESET', false],
    [undefined, false],
  ] as const)('isNotTls(%s) is %s', (code, expected) => {
    expect(isNotTls(code)).toBe(expected)
  })
})

describe('cipher rule', () => {
  const cipher = (cipherBits: number) =>
    goodObservation({ tls: { version: 'TLSv1.3', cipher: 'WEAK-CIPHER', cipherBits } })

  it('accepts exactly 128 bits and refuses 127 with the full evidence', () => {
    expect(evaluate(sampleCommitment(), cipher(128))).toEqual({ outcome: 'ok' })
    expect(violations(sampleCommitment(), cipher(127))).toEqual([
      {
        code: 'cipher_too_weak',
        tag: 'tls12',
        resultType: 'validation-failure',
        path: ['tls', 'cipherBits'],
        expected: '>= 128',
        observed: 'WEAK-CIPHER (127)',
      },
    ])
  })

  it.each([
    [['tls11'], 'tls11'],
    [['tls11', 'tls12'], 'tls12'],
    [['tls-cert'], undefined],
  ] as const)('tags a weak cipher under latches %o as %s', (latches, tag) => {
    const [v] = violations(sampleCommitment({ latches: [...latches] }), cipher(64))
    expect(v?.code).toBe('cipher_too_weak')
    expect(v?.tag).toBe(tag)
    expect(v !== undefined && 'tag' in v).toBe(tag !== undefined)
  })
})
