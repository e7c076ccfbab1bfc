// Whole-verdict assertions (issue #16 item 8) for the certificate rules (chain, name, SPKI pin, DANE) and
// violation() itself: the exact evidence of each refusal, so no guard line can change unnoticed. The
// connection rules are in evaluate.mutation.connection.test.ts.
import { describe, expect, it } from 'vitest'
import { goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { evaluate } from './evaluate.js'
import { noTls, violations } from './evaluate.mutation.fixtures.js'
import { daneOnly, requiresDane } from './rules/dane.js'
import { violation } from './violation.js'

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
