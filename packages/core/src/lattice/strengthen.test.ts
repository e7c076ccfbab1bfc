import { describe, expect, it } from 'vitest'
import { evaluate } from '../evaluate/evaluate.js'
import { goodObservation, sampleCommitment } from '../testing/fixtures.js'
import { adoptImplicitTls, strengthen } from './strengthen.js'

const NOW = '2026-02-01T00:00:00.000Z'
const base = sampleCommitment({ latches: [] })

describe('strengthen()', () => {
  it('latches advertised tags the session meets, and the https status URL (DEEP -04 §5.3)', () => {
    const o = goodObservation({
      advertisement: { deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.net/tls' } },
    })
    const r = strengthen(base, o, NOW)
    expect(r.commitment.latches).toEqual(['tls-cert', 'tls12'])
    expect(r.commitment.statusUrl).toEqual({ url: 'https://status.example.net/tls', seenAt: NOW })
    expect(r.learned).toEqual(['latch:tls-cert', 'latch:tls12', 'statusUrl'])
    expect(r.commitment.provenance['latch:tls12']).toEqual({
      source: 'server',
      firstSeen: NOW,
      lastConfirmed: NOW,
    })
  })

  it('does not latch what the server did not advertise, even if the session had it (-04 Example 1)', () => {
    const r = strengthen(base, goodObservation({ advertisement: { deep: { tags: ['tls11'] } } }), NOW)
    expect(r.commitment.latches).toEqual(['tls11'])
  })

  it('does not latch tls-dane-tlsa without a valid DANE result', () => {
    const r = strengthen(base, goodObservation({ advertisement: { deep: { tags: ['tls-dane-tlsa'] } } }), NOW)
    expect(r.commitment.latches).toEqual([])
  })

  it('skips unknown tags: never latched, never persisted (-05 §7 step 1)', () => {
    const r = strengthen(
      base,
      goodObservation({ advertisement: { deep: { tags: ['x-future', 'tls12'] } } }),
      NOW,
    )
    expect(r.commitment.latches).toEqual(['tls12'])
    expect(r.learned).toEqual(['latch:tls12'])
    expect(Object.keys(r.commitment.provenance)).not.toContain('latch:x-future')
    expect(evaluate(r.commitment, goodObservation()).outcome).toBe('ok')
  })

  it('learns nothing when the certificate did not validate', () => {
    const o = goodObservation({
      certificate: { chainTrusted: false, expired: false, nameMatch: null },
      advertisement: { deep: { tags: ['tls12'] } },
    })
    expect(strengthen(base, o, NOW)).toEqual({ commitment: base, learned: [] })
  })

  it('learns nothing while a saved property is violated (-05 §7)', () => {
    const strict = sampleCommitment({ latches: ['tls-dane-tlsa'] })
    const o = goodObservation({ advertisement: { deep: { tags: ['tls12'] } } })
    expect(strengthen(strict, o, NOW).learned).toEqual([])
  })

  it('raises -05 tls-version only upwards and only when negotiated (§7.1)', () => {
    const o13 = goodObservation({ advertisement: { sts: { tlsVersion: '1.3' } } })
    const c13 = strengthen(base, o13, NOW).commitment
    expect(c13.directives.tlsVersion).toBe('1.3')
    const o12 = goodObservation({ advertisement: { sts: { tlsVersion: '1.2' } } })
    expect(strengthen(c13, o12, NOW).commitment.directives.tlsVersion).toBe('1.3')
    const tls12only = goodObservation({
      tls: { version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', cipherBits: 128 },
      advertisement: { sts: { tlsVersion: '1.3' } },
    })
    expect(strengthen(base, tls12only, NOW).commitment.directives.tlsVersion).toBeUndefined()
  })

  it('ignores a non-https status URL', () => {
    const o = goodObservation({ advertisement: { deep: { tags: [], url: 'http://status.example.net' } } })
    expect(strengthen(base, o, NOW).commitment.statusUrl).toBeUndefined()
  })

  it('re-confirms without reporting anything as learned', () => {
    const o = goodObservation({ advertisement: { deep: { tags: ['tls12'] } } })
    const once = strengthen(base, o, NOW).commitment
    const later = strengthen(once, o, '2026-03-01T00:00:00.000Z')
    expect(later.learned).toEqual([])
    expect(later.commitment.provenance['latch:tls12']?.lastConfirmed).toBe('2026-03-01T00:00:00.000Z')
  })
})

describe('adoptImplicitTls()', () => {
  const starttls = sampleCommitment({
    latches: [],
    endpoint: { host: 'imap.example.net', port: 143, transport: 'starttls' },
  })

  it('moves a STARTTLS commitment to a working implicit-TLS endpoint (RFC 8314 §3)', () => {
    const r = adoptImplicitTls(starttls, goodObservation(), NOW)
    expect(r.commitment.endpoint).toEqual({ host: 'imap.example.net', port: 993, transport: 'implicit-tls' })
    expect(r.learned).toEqual(['endpoint'])
  })

  it('refuses when the implicit-TLS session is not compliant', () => {
    const bad = goodObservation({ certificate: { chainTrusted: true, expired: false, nameMatch: false } })
    expect(adoptImplicitTls(starttls, bad, NOW).learned).toEqual([])
  })

  it('never moves the account to another host', () => {
    const elsewhere = goodObservation({ endpoint: { host: 'imap.attacker.test', port: 993 } })
    expect(adoptImplicitTls(starttls, elsewhere, NOW).learned).toEqual([])
  })

  it('never moves an implicit-TLS commitment back', () => {
    expect(
      adoptImplicitTls(sampleCommitment(), goodObservation({ transport: 'starttls' }), NOW).learned,
    ).toEqual([])
  })
})
