// canonicalJson and the seal: the same data always gives the same text whatever the key order, any
// change to the data changes the seal, and anything that is not plain JSON data is refused.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson, checkSeal, sealOf } from './seal.js'

// Plain JSON values without -0 (JSON has no negative zero: it would not survive a round trip).
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)

function shuffleKeys(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i))
  if (v === null || typeof v !== 'object') return v
  const entries = Object.entries(v as Record<string, unknown>)
  const rotated = entries
    .slice(seed % (entries.length || 1))
    .concat(entries.slice(0, seed % (entries.length || 1)))
  return Object.fromEntries(rotated.reverse().map(([k, x]) => [k, shuffleKeys(x, seed + 1)]))
}

describe('canonicalJson', () => {
  it('parses back to the same value and ignores key order', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, seed) => {
        const text = canonicalJson(v)
        expect(JSON.parse(text)).toEqual(v)
        expect(canonicalJson(shuffleKeys(v, seed))).toBe(text)
      }),
    )
  })

  it('refuses what is not plain JSON data', () => {
    for (const bad of [
      () => 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(0),
      new Map(),
      1n,
      Symbol('x'),
    ])
      expect(() => canonicalJson({ a: bad })).toThrow(TypeError)
  })
})

describe('seal', () => {
  it('changes when any part of the sealed data changes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { minKeys: 1 }), json, (data, replacement) => {
        const key = Object.keys(data)[0] as string
        const seal = sealOf(data)
        const altered = { ...data, [key]: replacement }
        if (canonicalJson(altered) === canonicalJson(data)) return
        expect(sealOf(altered)).not.toBe(seal)
        expect(() => checkSeal({ ...altered, seal })).toThrow(
          expect.objectContaining({ code: 'MUASTS_ERR_PROPOSAL_TAMPERED' }),
        )
      }),
    )
  })

  it('accepts exactly its own seal, under its own key', () => {
    const data = { a: 1, b: ['x'] }
    const key = new Uint8Array(32).fill(7)
    expect(() => checkSeal({ ...data, seal: sealOf(data) })).not.toThrow()
    expect(() => checkSeal({ ...data, seal: sealOf(data, key) }, key)).not.toThrow()
    expect(() => checkSeal({ ...data, seal: sealOf(data, key) })).toThrow()
    expect(() => checkSeal({ ...data, seal: `${sealOf(data)}=` })).toThrow()
    expect(() => checkSeal({ ...data, seal: '' })).toThrow()
  })
})
