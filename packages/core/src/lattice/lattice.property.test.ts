// The store's multi-process safety and "commitments only strengthen" rest on these laws.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Commitment, CommitmentSchema } from '../model/commitment.js'
import { arbCommitment, arbObservation } from '../testing/arbitraries.js'
import { FIXED_NOW } from '../testing/fixtures.js'
import { isAtLeast, merge, securityKey } from './merge.js'
import { acceptableKeys, isPinned } from './pins.js'
import { strengthen } from './strengthen.js'

const RUNS = { numRuns: 500 }

// merge() refuses pin sets with no key in common (pins.property.test.ts proves exactly when); the laws
// are stated on the domain where it joins.
function joinable(...cs: readonly Commitment[]): boolean {
  const sets = cs.filter((c) => isPinned(c.pins)).map((c) => acceptableKeys(c.pins))
  return sets.length === 0 || [...(sets[0] ?? [])].some((k) => sets.every((s) => s.has(k)))
}

describe('merge() is a join-semilattice', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), (a, b) => {
        fc.pre(joinable(a, b))
        expect(merge(a, b)).toEqual(merge(b, a))
      }),
      RUNS,
    )
  })

  it('is associative', () => {
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), arbCommitment(), (a, b, c) => {
        fc.pre(joinable(a, b, c))
        expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)))
      }),
      RUNS,
    )
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(arbCommitment(), (a) => {
        expect(merge(a, a)).toEqual(a)
      }),
      RUNS,
    )
  })

  it('never lowers any property of either side', () => {
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), (a, b) => {
        fc.pre(joinable(a, b))
        const j = merge(a, b)
        expect(isAtLeast(j, a)).toBe(true)
        expect(isAtLeast(j, b)).toBe(true)
        for (const t of [...a.latches, ...b.latches]) expect(j.latches).toContain(t)
        // Pins are a restriction: the join accepts only keys both accept (pins.property.test.ts).
        for (const k of acceptableKeys(j.pins)) {
          if (isPinned(a.pins)) expect(acceptableKeys(a.pins).has(k)).toBe(true)
          if (isPinned(b.pins)) expect(acceptableKeys(b.pins).has(k)).toBe(true)
        }
        expect(isPinned(j.pins)).toBe(isPinned(a.pins) || isPinned(b.pins))
      }),
      RUNS,
    )
  })

  it('always yields a schema-valid commitment', () => {
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), (a, b) => {
        fc.pre(joinable(a, b))
        CommitmentSchema.parse(merge(a, b))
      }),
      RUNS,
    )
  })

  it('refuses to merge different accounts or services', () => {
    fc.assert(
      fc.property(arbCommitment('a'), arbCommitment('b'), (a, b) => {
        expect(() => merge(a, b)).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_COMMITMENT_MISMATCH' }))
      }),
      { numRuns: 20 },
    )
  })
})

describe('merge() never moves an account', () => {
  it.each([
    ['another host', { host: 'imap.attacker.test', port: 993, transport: 'implicit-tls' as const }],
    [
      'another port, same transport',
      { host: 'imap.example.net', port: 1993, transport: 'implicit-tls' as const },
    ],
  ])('refuses to join with %s (only the forget ceremony moves an account)', (_w, endpoint) => {
    fc.assert(
      fc.property(arbCommitment(), (a) => {
        const b = { ...a, endpoint }
        fc.pre(a.endpoint.transport === 'implicit-tls' || endpoint.host !== a.endpoint.host)
        expect(() => merge(a, b)).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_COMMITMENT_MISMATCH' }))
      }),
      { numRuns: 50 },
    )
  })
})

describe('strengthen() only ever strengthens', () => {
  it('never returns a weaker commitment, whatever was observed', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        expect(isAtLeast(strengthen(c, o, FIXED_NOW).commitment, c)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('learns nothing from a session without an authenticated server (DEEP -04 §5.1)', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        fc.pre(!o.serverAuthenticated)
        const r = strengthen(c, o, FIXED_NOW)
        expect(r.learned).toEqual([])
        expect(securityKey(r.commitment)).toBe(securityKey(c))
      }),
      { numRuns: 500 },
    )
  })

  it('is idempotent: learning the same observation twice changes nothing more', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        const once = strengthen(c, o, FIXED_NOW).commitment
        const twice = strengthen(once, o, FIXED_NOW)
        expect(twice.learned).toEqual([])
        expect(twice.commitment).toEqual(once)
      }),
      { numRuns: 500 },
    )
  })

  it('only latches tags the session itself meets', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        const r = strengthen(c, o, FIXED_NOW)
        const gained = r.commitment.latches.filter((t) => !c.latches.includes(t))
        if (gained.includes('tls-cert'))
          expect(o.certificate?.chainTrusted && o.certificate.nameMatch).toBe(true)
        if (gained.includes('tls12')) expect(['TLSv1.2', 'TLSv1.3']).toContain(o.tls?.version)
        if (gained.includes('tls-dane-tlsa')) expect(o.dane?.status).toBe('valid')
      }),
      { numRuns: 1000 },
    )
  })
})

describe('merge() under the schema bounds', () => {
  const many = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
  const base = arbCommitment()

  it('keeps known tags and caps unknown ones so the result always fits the schema', () => {
    fc.assert(
      fc.property(base, base, fc.nat(80), fc.nat(80), (a, b, na, nb) => {
        fc.pre(joinable(a, b))
        const a2 = { ...a, latches: [...new Set([...a.latches, ...many('xa', Math.min(na, 60))])].sort() }
        const b2 = { ...b, latches: [...new Set([...b.latches, ...many('xb', Math.min(nb, 60))])].sort() }
        const j = merge(a2, b2)
        expect(j.latches.length).toBeLessThanOrEqual(64)
        for (const t of [...a2.latches, ...b2.latches])
          if (['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa'].includes(t)) expect(j.latches).toContain(t)
        CommitmentSchema.parse(j)
        expect(merge(j, j)).toEqual(j)
        expect(merge(a2, b2)).toEqual(merge(b2, a2))
      }),
      { numRuns: 200 },
    )
  })
})
