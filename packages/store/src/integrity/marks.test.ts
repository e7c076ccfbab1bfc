import { ErrorCode } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  bucketHash,
  checkMark,
  emptyAnchor,
  encodeAnchor,
  encodeBucket,
  isAccountMarks,
  isBucketHashes,
  parseBucket,
  parseMarksItem,
} from './marks.js'

const id = 'ab'.repeat(32)
const h1 = 'A'.repeat(22)
const h2 = 'B'.repeat(22)
const mark = { seq: 5, hash: h1 }

describe('high-water marks', () => {
  it('accepts a file without a mark, at its mark, or ahead of it (crash after rename)', () => {
    expect(() => checkMark(undefined, id, 1, h1)).not.toThrow()
    expect(() => checkMark(mark, id, 5, h1)).not.toThrow()
    expect(() => checkMark(mark, id, 6, h2)).not.toThrow()
  })

  it('refuses a file older than its mark as a rollback', () => {
    expect(() => checkMark(mark, id, 4, h1)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreRollback }),
    )
  })

  it('refuses a different file with the same sequence number as a rollback', () => {
    expect(() => checkMark(mark, id, 5, h2)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreRollback }),
    )
  })

  it('round-trips the anchor through its keychain encoding, and still reads a v1 item', () => {
    const anchor = { ...emptyAnchor(), buckets: { ab: 'C'.repeat(22) }, audit: { records: 2, head: h2 } }
    expect(parseMarksItem(encodeAnchor(anchor))).toEqual({ kind: 'anchor', anchor })
    const v1 = {
      format: 'mua-sts/marks',
      version: 1,
      accounts: { [id.slice(0, 32)]: [5, h1] },
      audit: { records: 0, head: null },
    }
    expect(parseMarksItem(JSON.stringify(v1))).toEqual({ kind: 'legacy', legacy: v1 })
  })

  it.each([
    ['not JSON', 'nope'],
    ['another record', '{"format":"other"}'],
    ['a v1 item without marks', '{"format":"mua-sts/marks","version":1}'],
    [
      'a negative seq',
      JSON.stringify({ ...emptyAnchor(), version: 1, accounts: { [id.slice(0, 32)]: [-1, h1] } }),
    ],
    ['a bucket with a short hash', JSON.stringify({ ...emptyAnchor(), buckets: { ab: h1.slice(1) } })],
    ['an unknown version', JSON.stringify({ ...emptyAnchor(), version: 3 })],
  ])('treats a keychain item that is %s as corrupt', (_n, value) => {
    expect(() => parseMarksItem(value)).toThrow(expect.objectContaining({ code: ErrorCode.StoreCorrupt }))
  })

  it('verifies a bucket against its anchored hash: every byte flip is corrupt', () => {
    const bytes = encodeBucket('ab', { [id.slice(0, 32)]: [5, h1] })
    const hash = bucketHash(bytes)
    expect(parseBucket(bytes, 'ab', hash)).toEqual({ [id.slice(0, 32)]: [5, h1] })
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes)
      flipped[i] = (flipped[i] as number) ^ 0x01
      expect(() => parseBucket(flipped, 'ab', hash)).toThrow(
        expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
      )
    }
  })

  it('refuses a bucket that names another bucket, or holds a mark of another bucket', () => {
    const wrongId = encodeBucket('cd', {})
    expect(() => parseBucket(wrongId, 'ab', bucketHash(wrongId))).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
    const stray = encodeBucket('ab', { ['cd'.repeat(16)]: [1, h1] })
    expect(() => parseBucket(stray, 'ab', bucketHash(stray))).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
  })

  // Parsers at a trust boundary (keychain item, files on disk): never anything but a result or a coded error.
  it('parseMarksItem and parseBucket return or throw MUASTS_ERR_STORE_CORRUPT on any input (property)', () => {
    const coded = (f: () => unknown) => {
      try {
        f()
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.StoreCorrupt })
      }
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        coded(() => parseMarksItem(s))
        const bytes = Buffer.from(s, 'utf8')
        coded(() => parseBucket(bytes, 'ab', bucketHash(bytes)))
      }),
      { numRuns: 500 },
    )
  })

  it('a bucket round-trips for any marks of its own bucket, and its bytes are canonical (property)', () => {
    const key = fc.stringMatching(/^ab[0-9a-f]{30}$/)
    const entry = fc.tuple(fc.nat(), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/))
    fc.assert(
      fc.property(fc.dictionary(key, entry), (accounts) => {
        const bytes = encodeBucket('ab', accounts)
        expect(parseBucket(bytes, 'ab', bucketHash(bytes))).toEqual(accounts)
        const reordered = Object.fromEntries(Object.entries(accounts).reverse())
        expect(encodeBucket('ab', reordered)).toEqual(bytes)
      }),
      { numRuns: 200 },
    )
  })

  // The hand-written map checks replace these zod records for speed; they must accept exactly the same,
  // except an own "__proto__" member, which z.record skips unchecked and the checks refuse.
  it('checks the mark and bucket maps exactly as the zod records they replace (property)', () => {
    const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
    const hash = z.string().regex(/^[A-Za-z0-9_-]{22}$/)
    const marksRecord = z.record(z.string().regex(/^[0-9a-f]{32}$/), z.tuple([seq, hash]))
    const bucketsRecord = z.record(z.string().regex(/^[0-9a-f]{2}$/), hash)
    // Values near the rules: right and wrong key lengths and alphabets, seq edges, tuples of 1-3 items.
    const key = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.stringMatching(/^[0-9a-f]{2}$/),
      fc.stringMatching(/^[0-9a-fA-G]{1,33}$/),
      fc.constantFrom('__proto__', 'constructor', ''),
    )
    const hashLike = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{21,23}$/), fc.string({ maxLength: 24 }))
    const seqLike = fc.oneof(
      fc.nat(),
      fc.constantFrom(-1, -0, 0.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Number.NaN),
      fc.string({ maxLength: 3 }),
    )
    const markLike = fc.oneof(
      fc.tuple(seqLike, hashLike),
      fc.array(fc.oneof(seqLike, hashLike), { maxLength: 3 }),
      hashLike,
      fc.constant(null),
    )
    const map = (value: fc.Arbitrary<unknown>) =>
      fc.oneof(fc.dictionary(key, value, { maxKeys: 6 }), fc.constantFrom(null, [], 'x', 1))
    fc.assert(
      fc.property(map(markLike), map(hashLike), (marks, buckets) => {
        // Through JSON, as the parsers see them (own "__proto__" keys included).
        const [m, b] = [JSON.parse(JSON.stringify(marks)), JSON.parse(JSON.stringify(buckets))]
        const proto = (v: unknown) => typeof v === 'object' && v !== null && Object.hasOwn(v, '__proto__')
        expect(isAccountMarks(m)).toBe(!proto(m) && marksRecord.safeParse(m).success)
        expect(isBucketHashes(b)).toBe(!proto(b) && bucketsRecord.safeParse(b).success)
      }),
      { numRuns: 2_000 },
    )
  })
})
