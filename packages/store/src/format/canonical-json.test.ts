import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson, canonicalJsonPair } from './canonical-json.js'

const KEY = Buffer.alloc(32, 7)
const macOf = (v: unknown) => createHmac('sha256', KEY).update(canonicalJson(v)).digest('hex')

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** The same value with every object's keys inserted in a different (seeded) order. */
function reorder(value: Json, seed: number): Json {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i))
  if (value === null || typeof value !== 'object') return value
  const keys = Object.keys(value)
  const rotated = keys.map((_, i) => keys[(i + seed) % keys.length] as string).reverse()
  // fromEntries defines own properties, so a "__proto__" key stays data (plain assignment would not).
  return Object.fromEntries(rotated.map((k) => [k, reorder(value[k] as Json, seed + 1)]))
}

/** Every leaf path of a JSON value (empty arrays and objects count as leaves). */
function leafPaths(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((v, i) => leafPaths(v, [...path, i]))
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))
  }
  return [path]
}

function changed(leaf: Json): Json {
  if (leaf === null) return false
  if (typeof leaf === 'boolean') return !leaf
  if (typeof leaf === 'number') return leaf === 0 ? 1 : -leaf
  if (typeof leaf === 'string') return `${leaf}x`
  return null
}

function withLeaf(value: Json, path: (string | number)[], leaf: Json): Json {
  if (path.length === 0) return leaf
  const [head, ...rest] = path
  const copy: Json = Array.isArray(value) ? [...value] : { ...(value as { [k: string]: Json }) }
  const inner = withLeaf((value as Record<string | number, Json>)[head as string] as Json, rest, leaf)
  Object.defineProperty(copy, head as string, {
    value: inner,
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return copy
}

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>

describe('canonicalJson', () => {
  it('sorts members, drops whitespace and keeps array order', () => {
    expect(canonicalJson({ b: [3, 1, { z: 1, a: 2 }], a: 'x', c: null, d: true })).toBe(
      '{"a":"x","b":[3,1,{"a":2,"z":1}],"c":null,"d":true}',
    )
  })

  it('orders keys by UTF-16 code units, as RFC 8785 §3.2.3 prescribes (not by code point)', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF in UTF-16 order.
    expect(canonicalJson({ '\uffff': 1, '\u{1f600}': 2, a: 3 })).toBe('{"a":3,"\u{1f600}":2,"\uffff":1}')
  })

  it('serialises numbers as ECMAScript does, with -0 as 0', () => {
    expect(canonicalJson([1e21, 1.5, -0, 0.1 + 0.2, 123456789012345680000])).toBe(
      '[1e+21,1.5,0,0.30000000000000004,123456789012345680000]',
    )
  })

  it('escapes lone surrogates so the output is always well-formed UTF-8', () => {
    expect(canonicalJson('\ud800')).toBe('"\\ud800"')
  })

  it('omits undefined members exactly as JSON does, so encode(x) equals encode(parse(stringify(x)))', () => {
    const x = { a: 1, b: undefined, c: { d: undefined } }
    expect(canonicalJson(x)).toBe(canonicalJson(JSON.parse(JSON.stringify(x))))
    expect(canonicalJson(x)).toBe('{"a":1,"c":{}}')
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['undefined in an array', [undefined]],
    ['a function', () => 1],
    ['nesting deeper than 32', JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`)],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError)
  })

  it('sorts integer-like keys as strings, although JavaScript iterates them numerically', () => {
    expect(canonicalJson({ 2: 'b', 10: 'a', x: { 1: 0, '01': 0 } })).toBe(
      '{"10":"a","2":"b","x":{"01":0,"1":0}}',
    )
    expect(canonicalJson(JSON.parse('{"10":"a","2":"b"}'))).toBe('{"10":"a","2":"b"}')
  })

  it('keeps a "__proto__" member as data', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}')
  })

  it('encodes the pair (with and without one member) exactly as two separate encodings would', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 3 }), json),
        fc.nat(50),
        fc.string({ maxLength: 3 }),
        (v, seed, omit) => {
          for (const value of [v, reorder(v, seed) as { [k: string]: Json }, JSON.parse(canonicalJson(v))]) {
            const without = Object.fromEntries(Object.entries(value).filter(([k]) => k !== omit))
            expect(canonicalJsonPair(value, omit)).toEqual({
              full: canonicalJson(value),
              without: canonicalJson(without),
            })
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('round-trips: parsing the encoding and encoding again gives the same bytes', () => {
    fc.assert(
      fc.property(json, (v) => {
        const once = canonicalJson(v)
        expect(canonicalJson(JSON.parse(once))).toBe(once)
      }),
      { numRuns: 500 },
    )
  })

  it('key order never changes the encoding or the MAC', () => {
    fc.assert(
      fc.property(json, fc.nat(50), (v, seed) => {
        expect(canonicalJson(reorder(v, seed))).toBe(canonicalJson(v))
        expect(macOf(reorder(v, seed))).toBe(macOf(v))
      }),
      { numRuns: 500 },
    )
  })

  it('any change to any value changes the MAC', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, pick) => {
        const paths = leafPaths(v)
        const path = paths[pick % paths.length] as (string | number)[]
        const leaf = path.reduce<Json>((acc, k) => (acc as Record<string | number, Json>)[k] as Json, v)
        expect(macOf(withLeaf(v, path, changed(leaf)))).not.toBe(macOf(v))
      }),
      { numRuns: 500 },
    )
  })

  it('any added or removed member changes the MAC', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), fc.string(), json, (obj, key, value) => {
        fc.pre(!(key in obj))
        expect(macOf({ ...obj, [key]: value })).not.toBe(macOf(obj))
      }),
      { numRuns: 300 },
    )
  })
})
