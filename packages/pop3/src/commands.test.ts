import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseScanListing, parseStat, parseUidListing } from './commands.js'
import { isPop3Error, Pop3ErrorCode } from './errors.js'

const b = (s: string) => Buffer.from(s, 'latin1')

describe('STAT / LIST / UIDL parsing (RFC 1939 §5, §7)', () => {
  it('parses well-formed replies, ignoring text after the numbers', () => {
    expect(parseStat(b('2 320'))).toEqual({ count: 2, size: 320 })
    expect(parseStat(b('0 0 empty maildrop'))).toEqual({ count: 0, size: 0 })
    expect(parseScanListing(b('1 120'))).toEqual({ id: 1, size: 120 })
    expect(parseUidListing(b('3 QhdPYR:00WBw1Ph7x7'))).toEqual({ id: 3, uid: 'QhdPYR:00WBw1Ph7x7' })
  })

  it.each([
    ['STAT', () => parseStat(b('2'))],
    ['STAT', () => parseStat(b('-1 3'))],
    ['STAT', () => parseStat(b('1e3 3'))],
    ['STAT', () => parseStat(b('9999999999999999 1'))],
    ['LIST', () => parseScanListing(b('0 12'))],
    ['LIST', () => parseScanListing(b('1  12'))],
    ['UIDL', () => parseUidListing(b(`1 ${'u'.repeat(71)}`))],
    ['UIDL', () => parseUidListing(b('1 has space'))],
    ['UIDL', () => parseUidListing(b('1 caf\u00e9'))],
  ])('rejects a malformed %s reply', (step, parse) => {
    expect(parse).toThrow(expect.objectContaining({ code: Pop3ErrorCode.Protocol, step }))
  })

  it('never yields NaN or an unsafe integer', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        for (const parse of [parseStat, parseScanListing]) {
          try {
            const r = parse(b(text))
            for (const n of Object.values(r)) expect(Number.isSafeInteger(n)).toBe(true)
          } catch (e) {
            expect(isPop3Error(e, Pop3ErrorCode.Protocol)).toBe(true)
          }
        }
      }),
    )
  })
})
