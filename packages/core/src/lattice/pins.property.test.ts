// #12 item 4: once a pin set is non-empty, no join may make a refused key acceptable. Refusal is read
// from evaluate() itself, so these laws are about what a guard does, not about the data layout.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../evaluate/evaluate.js'
import type { Commitment } from '../model/commitment.js'
import { arbCommitment, arbObservation, PIN_KEYS, THIRD_SPKI, UNPINNED_SPKI } from '../testing/arbitraries.js'
import { FIXED_NOW, goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { isAtLeast, merge } from './merge.js'
import { acceptableKeys, isPinned, joinPins, pinsAccept } from './pins.js'
import { strengthen } from './strengthen.js'

const KEYS = [...PIN_KEYS, UNPINNED_SPKI]

/** True if a guard holding `c` refuses a server presenting the leaf key `spki`. */
function refuses(c: Commitment, spki: string): boolean {
  const o = goodObservation({
    certificate: { chainTrusted: true, expired: false, nameMatch: true, spkiSha256: spki },
  })
  const v = evaluate(c, o)
  return v.outcome === 'violated' && v.violations.some((x) => x.code === 'spki_pin_mismatch')
}

function overallIntersectionEmpty(cs: readonly Commitment[]): boolean {
  const sets = cs.filter((c) => isPinned(c.pins)).map((c) => acceptableKeys(c.pins))
  return sets.length > 1 && !KEYS.some((k) => sets.every((s) => s.has(k)))
}

function outcome(f: () => Commitment): 'joined' | 'pin-conflict' {
  try {
    f()
    return 'joined'
  } catch (error) {
    expect(error).toMatchObject({ code: 'MUASTS_ERR_PIN_CONFLICT' })
    return 'pin-conflict'
  }
}

describe('pin sets only narrow under merge()', () => {
  it('refuses in merge(a, b) every key that a refuses', () => {
    // "Unless b came through the ceremony": the store's rotatePins installs a new pin set without any
    // merge, with its own audit record; that path is tested in @mua-sts/store, not here.
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), fc.constantFrom(...KEYS), (a, b, k) => {
        const r = outcome(() => merge(a, b))
        fc.pre(r === 'joined')
        if (refuses(a, k)) expect(refuses(merge(a, b), k)).toBe(true)
        if (refuses(b, k)) expect(refuses(merge(a, b), k)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('throws PIN_CONFLICT exactly when the pinned sets share no key, whatever the order', () => {
    fc.assert(
      fc.property(arbCommitment(), arbCommitment(), arbCommitment(), (a, b, c) => {
        const expected = overallIntersectionEmpty([a, b, c]) ? 'pin-conflict' : 'joined'
        for (const [x, y, z] of [
          [a, b, c],
          [a, c, b],
          [b, a, c],
          [b, c, a],
          [c, a, b],
          [c, b, a],
        ] as const) {
          expect(outcome(() => merge(merge(x, y), z))).toBe(expected)
          expect(outcome(() => merge(x, merge(y, z)))).toBe(expected)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('agrees with the spki-pin rule on which keys a pin set accepts', () => {
    fc.assert(
      fc.property(arbCommitment(), fc.constantFrom(...KEYS), (c, k) => {
        expect(pinsAccept(c.pins, k)).toBe(!refuses(c, k))
      }),
    )
  })

  it('strengthen() never adds, drops or reorders a pin, whatever was observed', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        expect(strengthen(c, o, FIXED_NOW).commitment.pins).toEqual(c.pins)
      }),
      { numRuns: 500 },
    )
  })

  it('ranks a narrower pin set as stronger, and disjoint sets as incomparable', () => {
    const wide = sampleCommitment({ pins: { spki: [SAMPLE_SPKI], backup: [OTHER_SPKI] } })
    const narrow = sampleCommitment({ pins: { spki: [SAMPLE_SPKI], backup: [] } })
    const other = sampleCommitment({ pins: { spki: [THIRD_SPKI], backup: [] } })
    const none = sampleCommitment()
    expect([isAtLeast(narrow, wide), isAtLeast(wide, narrow)]).toEqual([true, false])
    expect([isAtLeast(wide, none), isAtLeast(none, wide)]).toEqual([true, false])
    expect([isAtLeast(narrow, other), isAtLeast(other, narrow)]).toEqual([false, false])
  })
})

describe('joinPins()', () => {
  const K1 = SAMPLE_SPKI
  const K2 = OTHER_SPKI
  const K3 = THIRD_SPKI

  it('keeps the pins when one side is unpinned', () => {
    expect(joinPins({ spki: [K1], backup: [K2] }, { spki: [], backup: [] })).toEqual({
      spki: [K1],
      backup: [K2],
    })
  })

  it('keeps only the keys both sides accept, primary if either side lists it as primary', () => {
    const a = { spki: [K1], backup: [K2, K3].sort() }
    const b = { spki: [K2], backup: [K1] }
    expect(joinPins(a, b)).toEqual({ spki: [K1, K2].sort(), backup: [] })
    expect(joinPins(a, { spki: [K3], backup: [] })).toEqual({ spki: [K3], backup: [] })
  })

  it('refuses the #12 widening: {K1} joined with {K2} is a conflict, not {K1, K2}', () => {
    const stored = sampleCommitment({ pins: { spki: [K1], backup: [] } })
    const incoming = sampleCommitment({ pins: { spki: [K2], backup: [] } })
    expect(() => merge(stored, incoming)).toThrow(
      expect.objectContaining({
        code: 'MUASTS_ERR_PIN_CONFLICT',
        message: expect.stringContaining('rotatePins'),
        details: {
          ceremony: 'rotatePins',
          a: { spki: [K1], backup: [] },
          b: { spki: [K2], backup: [] },
        },
      }),
    )
  })
})
