import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createObservation } from '../model/observation.js'
import { KNOWN_TAGS } from '../model/tags.js'
import { goodObservation, OTHER_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { parseClient04 } from '../wire/smtp-client-04.js'
import { parseClient05 } from '../wire/smtp-client-05.js'
import {
  buildFailureInBand,
  buildInBand,
  carriesFailure,
  idFieldsFor,
  inBandAllowed,
  offeredDirectives,
} from './in-band.js'

const CLIENT = { name: 'mua-sts', version: '0.1.0' }
const tls11 = { tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } }

describe('buildFailureInBand(): -04 latch-fail (§7.1)', () => {
  it('lists exactly the latched registered tags this session failed, in registry order', () => {
    const c = sampleCommitment({ latches: ['tls-cert', 'tls12', 'tls11', 'x-private'] })
    const inBand = buildFailureInBand(
      'authenticated-only',
      { commitment: c, client: CLIENT },
      goodObservation(tls11),
    )
    expect(inBand?.idFields).toEqual({ name: 'mua-sts', version: '0.1.0', 'latch-fail': 'tls12' })
    expect(inBand?.client04).toBe('CLIENT name=mua-sts version=0.1.0 latch-fail=tls12')
    expect(inBand?.client05).toBeUndefined()
  })

  it('names nothing for a failure no latched tag covers (TLS floor only) → no message at all', () => {
    const c = sampleCommitment({ latches: ['tls-cert'] })
    expect(buildFailureInBand('spec', { commitment: c, client: CLIENT }, goodObservation(tls11))).toBeNull()
  })

  it('never names an SPKI pin, alone or beside a reportable failure', () => {
    const c = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    expect(buildFailureInBand('spec', { commitment: c, client: CLIENT }, goodObservation())).toBeNull()
    const both = buildFailureInBand('spec', { commitment: c, client: CLIENT }, goodObservation(tls11))
    expect(JSON.stringify(both)).not.toMatch(/spki|pin/)
    expect(both?.idFields['latch-fail']).toBe('tls12')
  })

  it('carries no latches, security tags or directives: only identity and the failure', () => {
    const c = sampleCommitment({ directives: { tlsVersion: '1.2', tlsCert: 'pkix' } })
    const inBand = buildFailureInBand(
      'authenticated-only',
      { commitment: c, client: null },
      goodObservation(tls11),
    )
    expect(inBand?.idFields).toEqual({ 'latch-fail': 'tls12', 'policy-fail': 'tls-version=1.2' })
    expect(inBand?.client05).toBe('CLIENT policy-fail "tls-version=1.2"')
  })

  it('holds for any commitment and session: latch-fail ⊆ latched ∩ registered, pins never named', () => {
    const tags = fc.subarray(['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa', 'x-unknown', 'spki-pin'])
    const version = fc.constantFrom('TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3')
    fc.assert(
      fc.property(
        tags,
        version,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('spec', 'authenticated-only', 'never'),
        (latches, v, trusted, daneOk, mode) => {
          const c = sampleCommitment({
            latches: [...latches].sort(),
            pins: { spki: [OTHER_SPKI], backup: [] },
          })
          const o = createObservation({
            ...goodObservation({ tls: { version: v, cipher: 'X', cipherBits: 128 } }),
            certificate: { chainTrusted: trusted, expired: false, nameMatch: true },
            ...(daneOk ? { dane: { status: 'valid' as const } } : {}),
          })
          const inBand = buildFailureInBand(mode, { commitment: c, client: CLIENT }, o)
          if (inBand === null) return
          expect(mode).not.toBe('never')
          if (mode === 'authenticated-only') expect(o.serverAuthenticated).toBe(true)
          const failed = (inBand.idFields['latch-fail'] ?? '').split(' ').filter((t) => t !== '')
          for (const t of failed) {
            expect(latches).toContain(t)
            expect(KNOWN_TAGS).toContain(t)
          }
          expect(carriesFailure(inBand.idFields)).toBe(true)
          const parsed = inBand.client04 === undefined ? undefined : parseClient04(inBand.client04)
          if (parsed !== undefined) expect(parsed.ok && parsed.value.latchFail).toEqual(failed)
        },
      ),
    )
  })
})

describe('in-band modes', () => {
  const untrusted = goodObservation({ certificate: { chainTrusted: false, expired: true, nameMatch: null } })

  it('authenticated-only needs an authenticated server; spec only a TLS session; never nothing', () => {
    expect(inBandAllowed('authenticated-only', untrusted)).toBe(false)
    expect(inBandAllowed('spec', untrusted)).toBe(true)
    expect(inBandAllowed('never', goodObservation())).toBe(false)
    const noTls = createObservation({ ...goodObservation(), tls: undefined, handshakeError: 'ERR_SSL_X' })
    expect(inBandAllowed('spec', noTls)).toBe(false)
  })
})

describe('-05 saved / directives / policy-fail (§9.1–9.3)', () => {
  it('saved reflects the saved policy; directives offers only registered values not yet saved', () => {
    const none = sampleCommitment({ latches: [] })
    expect(buildInBand({ commitment: none, client: null }).idFields).toEqual({
      'security-tags': 'tls11 tls12 tls-cert',
      directives: 'tls-version=1.2; tls-cert=pkix',
    })
    const full = sampleCommitment({ directives: { tlsVersion: '1.3', tlsCert: 'pkix+dane' } })
    expect(offeredDirectives(full, true)).toBe('')
    expect(buildInBand({ commitment: full, client: null }).client05).toBe(
      'CLIENT saved "tls-version=1.3; tls-cert=pkix+dane"',
    )
    expect(offeredDirectives(sampleCommitment({ directives: { tlsCert: 'dane' } }), true)).toBe(
      'tls-version=1.2; tls-cert=pkix',
    )
    const parsed = parseClient05(buildInBand({ commitment: none, client: CLIENT }).client05 ?? '')
    expect(parsed.ok && parsed.value.directives).toBe('tls-version=1.2; tls-cert=pkix')
  })

  it('policy-fail names every failed saved directive', () => {
    const c = sampleCommitment({ latches: [], directives: { tlsVersion: '1.2', tlsCert: 'pkix' } })
    const o = goodObservation({
      ...tls11,
      certificate: { chainTrusted: true, expired: false, nameMatch: false },
    })
    const inBand = buildFailureInBand('spec', { commitment: c, client: null }, o)
    expect(inBand?.idFields).toEqual({ 'policy-fail': 'tls-version=1.2; tls-cert=pkix' })
  })
})

describe('idFieldsFor(): IMAP capabilities gate the ID', () => {
  const fields = {
    name: 'n',
    latch: 'tls12',
    'latch-fail': 'tls12',
    saved: 'tls-cert=pkix',
    'policy-fail': 'tls-cert=pkix',
  }
  it('sends nothing without ID, DEEP fields only with DEEP, -05 fields only with STS', () => {
    expect(idFieldsFor(fields, ['IMAP4rev1', 'DEEP'])).toBeUndefined()
    expect(idFieldsFor(fields, ['IMAP4rev1', 'ID'])).toEqual({ name: 'n' })
    expect(idFieldsFor(fields, ['ID', 'deep'])).toEqual({ name: 'n', latch: 'tls12', 'latch-fail': 'tls12' })
    expect(idFieldsFor(fields, ['ID', 'STS'])).toEqual({
      name: 'n',
      saved: 'tls-cert=pkix',
      'policy-fail': 'tls-cert=pkix',
    })
    expect(carriesFailure(idFieldsFor(fields, ['ID']))).toBe(false)
  })
})
