import { isSdkError } from '@mua-sts/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeTlsaRdata,
  formatTlsa,
  parseTlsaRdata,
  parseTlsaText,
  type TlsaRecord,
  TlsaRecordSchema,
  unusableReason,
  usableRecords,
} from './tlsa-record.js'

const rec = (
  usage: number,
  selector: number,
  matchingType: number,
  length: number,
  fill = 1,
): TlsaRecord => ({
  usage,
  selector,
  matchingType,
  data: new Uint8Array(length).fill(fill),
})

const anyRecord = fc.record({
  usage: fc.integer({ min: 0, max: 255 }),
  selector: fc.integer({ min: 0, max: 255 }),
  matchingType: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 200 }),
})

describe('TLSA RDATA (RFC 6698 §2.1)', () => {
  it('round-trips any record through RDATA and the presentation form', () => {
    fc.assert(
      fc.property(anyRecord, (r) => {
        expect(parseTlsaRdata(encodeTlsaRdata(r))).toEqual(r)
        if (r.data.length > 0) expect(parseTlsaText(formatTlsa(r))).toEqual(r)
        expect(TlsaRecordSchema.safeParse(r).success).toBe(true)
      }),
    )
  })

  it('is no record at all when shorter than usage, selector and matching type', () => {
    expect(parseTlsaRdata(new Uint8Array())).toBeUndefined()
    expect(parseTlsaRdata(Uint8Array.of(3, 1))).toBeUndefined()
    expect(parseTlsaRdata(Uint8Array.of(3, 1, 1))).toEqual({
      usage: 3,
      selector: 1,
      matchingType: 1,
      data: new Uint8Array(),
    })
  })

  it('never throws on hostile RDATA and keeps its own copy of the association data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = parseTlsaRdata(bytes)
        if (bytes.length < 3) {
          expect(r).toBeUndefined()
          return
        }
        const before = Buffer.from(bytes.subarray(3))
        bytes.fill(0xee)
        expect(Buffer.from(r?.data ?? []).equals(before)).toBe(true)
      }),
    )
  })
})

describe('parseTlsaText()', () => {
  it('reads the presentation form, with hex split by whitespace', () => {
    expect(parseTlsaText(' 3 1 1 0A0b\n 0c ')).toEqual({
      usage: 3,
      selector: 1,
      matchingType: 1,
      data: Uint8Array.of(10, 11, 12),
    })
  })

  it.each([
    ['', 'empty'],
    ['3 1 1', 'no data'],
    ['3 1 1 abc', 'odd hex'],
    ['3 1 1 zz', 'not hex'],
    ['256 1 1 aa', 'usage out of range'],
    ['3 1', 'too few fields'],
    ['-1 1 1 aa', 'negative'],
  ])('refuses %j (%s) with MUASTS_ERR_INVALID_OPTION', (text) => {
    let error: unknown
    try {
      parseTlsaText(text)
    } catch (e) {
      error = e
    }
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
  })

  it('either parses or throws the coded error, for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseTlsaText(text)
        } catch (e) {
          expect(isSdkError(e, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
        }
      }),
    )
  })
})

describe('unusableReason() (RFC 6698 §4.1)', () => {
  it.each([
    ['3 1 1 with 32 octets → undefined', rec(3, 1, 1, 32), undefined],
    ['2 0 2 with 64 octets → undefined', rec(2, 0, 2, 64), undefined],
    ['0 0 0 with 300 octets → undefined', rec(0, 0, 0, 300), undefined],
    ['4 1 1 with 32 octets → unknown-usage', rec(4, 1, 1, 32), 'unknown-usage'],
    ['255 1 1 with 32 octets → unknown-usage', rec(255, 1, 1, 32), 'unknown-usage'],
    ['3 2 1 with 32 octets → unknown-selector', rec(3, 2, 1, 32), 'unknown-selector'],
    ['3 1 3 with 32 octets → unknown-matching-type', rec(3, 1, 3, 32), 'unknown-matching-type'],
    ['3 1 1 with 31 octets → bad-digest-length', rec(3, 1, 1, 31), 'bad-digest-length'],
    ['3 1 1 with 64 octets → bad-digest-length', rec(3, 1, 1, 64), 'bad-digest-length'],
    ['3 1 2 with 32 octets → bad-digest-length', rec(3, 1, 2, 32), 'bad-digest-length'],
    ['3 1 0 with 0 octets → bad-digest-length', rec(3, 1, 0, 0), 'bad-digest-length'],
  ])('%s', (_label, r, reason) => {
    expect(unusableReason(r)).toBe(reason)
  })
})

describe('usableRecords()', () => {
  it('keeps every usable record of a rollover', () => {
    const oldKey = rec(3, 1, 1, 32, 1)
    const newKey = rec(3, 1, 1, 32, 2)
    expect(usableRecords([oldKey, rec(9, 1, 1, 32), newKey])).toEqual([oldKey, newKey])
  })

  it('drops SHA2-256 records where SHA2-512 ones exist for the same usage and selector (RFC 7671 §9)', () => {
    const weak = rec(3, 1, 1, 32)
    const strong = rec(3, 1, 2, 64)
    const otherSelector = rec(3, 0, 1, 32)
    const full = rec(3, 1, 0, 91)
    expect(usableRecords([weak, strong, otherSelector, full])).toEqual([strong, otherSelector, full])
  })

  it('never returns an unusable record, for any input', () => {
    fc.assert(
      fc.property(fc.array(anyRecord, { maxLength: 8 }), (records) => {
        for (const r of usableRecords(records)) expect(unusableReason(r)).toBeUndefined()
      }),
    )
  })
})
