// Whole-verdict assertions for every branch of every rule (issue #16 item 8): the report a refused
// connection produces is exactly what each rule says, so no guard line can change unnoticed. Kept apart
// from evaluate.test.ts, which reads as the behaviour spec; this file pins the exact evidence.
import { describe, expect, it } from 'vitest'
import type { Commitment } from '../model/commitment.js'
import { goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { evaluate } from './evaluate.js'
import { daneOnly, requiresDane } from './rules/dane.js'
import { isNotTls, isVersionFailure } from './rules/handshake-error.js'
import { requiredTlsVersion } from './rules/tls-version.js'
import { violation } from './violation.js'

// A session whose TLS never came up (exactOptionalPropertyTypes: an explicit undefined needs the casts below).
const noTls: Record<string, undefined> = { tls: undefined, certificate: undefined }
const plainStarttls = sampleCommitment({
  endpoint: { host: 'imap.example.net', port: 993, transport: 'starttls' },
})

function violations(c: Commitment, o: ReturnType<typeof goodObservation>) {
  const v = evaluate(c, o)
  return v.outcome === 'ok' ? [] : v.violations
}

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

describe('certificate rule', () => {
  const cert = (certificate: object) => goodObservation({ certificate } as never)
  const pkixOnly = sampleCommitment({ latches: ['tls12'], directives: { tlsCert: 'pkix' } })
  const untagged = sampleCommitment({ latches: ['tls12'] })

  it('reports an expired certificate once, not also as untrusted', () => {
    expect(
      violations(sampleCommitment(), cert({ chainTrusted: false, expired: true, nameMatch: true })),
    ).toEqual([
      {
        code: 'certificate_expired',
        tag: 'tls-cert',
        resultType: 'certificate-expired',
        path: ['certificate', 'expired'],
        expected: 'certificate within validity',
        observed: 'expired',
      },
    ])
  })

  it('reports an untrusted chain with its OpenSSL code, or "untrusted" when there is none', () => {
    const base = { chainTrusted: false, expired: false, nameMatch: true }
    expect(violations(pkixOnly, cert({ ...base, chainError: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toEqual([
      {
        code: 'certificate_not_trusted',
        tag: 'tls-cert',
        resultType: 'certificate-not-trusted',
        path: ['certificate', 'chainTrusted'],
        expected: 'PKIX-valid chain',
        observed: 'SELF_SIGNED_CERT_IN_CHAIN',
      },
    ])
    expect(violations(untagged, cert(base))).toEqual([
      {
        code: 'certificate_not_trusted',
        resultType: 'certificate-not-trusted',
        path: ['certificate', 'chainTrusted'],
        expected: 'PKIX-valid chain',
        observed: 'untrusted',
      },
    ])
  })

  it('reports a name mismatch, and an unchecked name on a trusted chain, but not on an untrusted one', () => {
    const mismatch = (observed: string) => ({
      code: 'certificate_host_mismatch',
      tag: 'tls-cert',
      resultType: 'certificate-host-mismatch',
      path: ['certificate', 'nameMatch'],
      expected: 'DNS-ID for imap.example.net',
      observed,
    })
    const c = sampleCommitment({ latches: [], directives: { tlsCert: 'pkix+dane' } })
    const names = (o: object) => violations(c, cert(o)).filter((v) => v.code !== 'dane_unsatisfied')
    expect(names({ chainTrusted: true, expired: false, nameMatch: false })).toEqual([mismatch('no match')])
    expect(names({ chainTrusted: true, expired: false, nameMatch: null })).toEqual([mismatch('not checked')])
    expect(names({ chainTrusted: false, expired: false, nameMatch: null }).map((v) => v.code)).toEqual([
      'certificate_not_trusted',
    ])
  })

  it('reports a TLS session without a certificate as untrusted, naming the tag', () => {
    expect(violations(sampleCommitment(), goodObservation({ certificate: undefined } as never))).toEqual([
      {
        code: 'certificate_not_trusted',
        tag: 'tls-cert',
        resultType: 'certificate-not-trusted',
        path: ['certificate'],
        expected: 'a server certificate',
        observed: 'none',
      },
    ])
  })

  it.each([
    ['ECONNRESET', 'ECONNRESET'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'server did not speak TLS (ERR_SSL_WRONG_VERSION_NUMBER)'],
  ])('reports the failed handshake %s as tls_handshake_failed', (handshakeError, observed) => {
    const o = goodObservation({ ...noTls, handshakeError } as never)
    expect(violations(sampleCommitment(), o)).toEqual([
      {
        code: 'tls_handshake_failed',
        resultType: 'validation-failure',
        path: ['handshakeError'],
        expected: 'completed TLS handshake',
        observed,
      },
    ])
  })

  it('accepts a valid DANE certificate without PKIX only when DANE is the sole requirement', () => {
    const selfSigned = cert({ chainTrusted: false, expired: false, nameMatch: true })
    const daneValid = { ...selfSigned, dane: { status: 'valid' as const } }
    expect(evaluate(sampleCommitment({ latches: ['tls-dane-tlsa'] }), daneValid).outcome).toBe('ok')
    expect(evaluate(sampleCommitment({ latches: ['tls-dane-tlsa'] }), selfSigned).outcome).toBe('violated')
    for (const tlsCert of ['pkix', 'pkix+dane'] as const) {
      const c = sampleCommitment({ latches: ['tls-dane-tlsa'], directives: { tlsCert } })
      expect(violations(c, daneValid).map((v) => v.code)).toEqual(['certificate_not_trusted'])
    }
  })
})

describe('SPKI pin rule', () => {
  const other = goodObservation({
    certificate: { chainTrusted: true, expired: false, nameMatch: true, spkiSha256: OTHER_SPKI },
  })

  it('checks nothing without pins, and accepts a primary or a backup pin', () => {
    expect(evaluate(sampleCommitment(), other).outcome).toBe('ok')
    expect(evaluate(sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } }), other).outcome).toBe('ok')
    expect(evaluate(sampleCommitment({ pins: { spki: [], backup: [OTHER_SPKI] } }), other).outcome).toBe('ok')
  })

  it('refuses an unpinned key, or a certificate without a key hash, when only backup pins exist', () => {
    const backupOnly = sampleCommitment({ pins: { spki: [], backup: [SAMPLE_SPKI] } })
    const expected = (observed: string) => [
      {
        code: 'spki_pin_mismatch',
        tag: 'spki-pin',
        resultType: 'validation-failure',
        path: ['certificate', 'spkiSha256'],
        expected: 'one of the pinned SPKI hashes',
        observed,
      },
    ]
    expect(violations(backupOnly, other)).toEqual(expected(OTHER_SPKI))
    const noHash = goodObservation({ certificate: { chainTrusted: true, expired: false, nameMatch: true } })
    expect(violations(backupOnly, noHash)).toEqual(expected('none'))
  })

  it('refuses a pinned account when TLS came up without a certificate', () => {
    const pinned = sampleCommitment({ pins: { spki: [SAMPLE_SPKI], backup: [] } })
    const o = goodObservation({ certificate: undefined } as never)
    expect(violations(pinned, o).find((v) => v.code === 'spki_pin_mismatch')?.observed).toBe('none')
  })

  it('leaves a session without TLS to the other rules', () => {
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    const o = goodObservation({ ...noTls, handshakeError: 'ECONNRESET' } as never)
    expect(violations(pinned, o).map((v) => v.code)).toEqual(['tls_handshake_failed'])
  })
})

describe('DANE rule', () => {
  it.each([
    [{ latches: ['tls-dane-tlsa'] }, 'tls-dane-tlsa'],
    [{ latches: [], directives: { tlsCert: 'dane' } }, 'tls-cert'],
    [{ latches: [], directives: { tlsCert: 'pkix+dane' } }, 'tls-cert'],
  ] as const)('refuses missing DANE under %o with the full evidence (tag %s)', (overrides, tag) => {
    const c = sampleCommitment(overrides as never)
    expect(violations(c, goodObservation())).toEqual([
      {
        code: 'dane_unsatisfied',
        tag,
        resultType: 'validation-failure',
        path: ['dane', 'status'],
        expected: 'valid',
        observed: 'missing',
      },
    ])
  })

  it('asks nothing of DANE under pkix or any, and nothing of a session without TLS', () => {
    for (const tlsCert of ['pkix', 'any'] as const) {
      expect(requiresDane(sampleCommitment({ latches: [], directives: { tlsCert } }))).toBe(false)
      expect(evaluate(sampleCommitment({ directives: { tlsCert } }), goodObservation()).outcome).toBe('ok')
    }
    const dane = sampleCommitment({ latches: ['tls-dane-tlsa'] })
    const o = goodObservation({ ...noTls, handshakeError: 'ECONNRESET' } as never)
    expect(violations(dane, o).map((v) => v.code)).toEqual(['tls_handshake_failed'])
  })

  it.each([
    [{ latches: ['tls-dane-tlsa'] }, true],
    [{ latches: ['tls-dane-tlsa', 'tls-cert'] }, false],
    [{ latches: ['tls-dane-tlsa'], directives: { tlsCert: 'pkix' } }, false],
    [{ latches: ['tls-dane-tlsa'], directives: { tlsCert: 'pkix+dane' } }, false],
    [{ latches: [], directives: { tlsCert: 'dane' } }, true],
    [{ latches: [], directives: { tlsCert: 'pkix+dane' } }, false],
    [{ latches: [] }, false],
  ] as const)('daneOnly(%o) is %s', (overrides, expected) => {
    expect(daneOnly(sampleCommitment(overrides as never))).toBe(expected)
  })
})

describe('violation()', () => {
  it('copies the path, caps expected and observed at 512 characters, and omits an absent tag', () => {
    const path = ['tls', 'version']
    const v = violation('cipher_too_weak', path, 'e'.repeat(600), 'o'.repeat(513))
    expect(v).toEqual({
      code: 'cipher_too_weak',
      resultType: 'validation-failure',
      path: ['tls', 'version'],
      expected: 'e'.repeat(512),
      observed: 'o'.repeat(512),
    })
    expect(v.path).not.toBe(path)
    expect('tag' in violation('cipher_too_weak', [], '', '', { tag: undefined })).toBe(false)
    expect(
      violation('dane_unsatisfied', [], '', '', { tag: 't', resultType: 'dnssec-invalid' }),
    ).toMatchObject({
      tag: 't',
      resultType: 'dnssec-invalid',
    })
  })
})
