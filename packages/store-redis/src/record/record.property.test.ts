// Property tests of the parsers at the Redis trust boundary (house style H21): a sealed record round-
// trips; any other value, and any single-byte change of a sealed one, is MUASTS_ERR_STORE_CORRUPT and
// never another error; the report stream's entry parser never throws; key names round-trip.
import { AccountRefSchema, ErrorCode, isSdkError } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { arbCommitment } from '../../../core/src/testing/arbitraries.js'
import { parseEntry } from '../reports/report-stream.js'
import { decodeRecord, encodeRecord } from './account-record.js'
import { decodeAudit } from './audit-entry.js'
import { accountKeys, accountOfRecordKey } from './keys.js'
import { sealer } from './sealed.js'

const seal = sealer(new Uint8Array(32).fill(9), 'prop')
const arbAccount = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)
const arbRecord = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  audit: fc.integer({ min: 0, max: 1000 }),
  imap: fc.option(arbCommitment('acct_p', 'imap'), { nil: undefined }),
})

function corruptOnly(run: () => unknown): boolean {
  try {
    run()
    return true
  } catch (error) {
    return isSdkError(error, ErrorCode.StoreCorrupt)
  }
}

describe('sealed account records', () => {
  it('round-trip exactly', () => {
    fc.assert(
      fc.property(arbRecord, ({ seq, audit, imap }) => {
        const record = { account: 'acct_p', seq, audit, commitments: imap === undefined ? {} : { imap } }
        expect(decodeRecord(seal, 'acct_p', encodeRecord(seal, record))).toEqual(record)
      }),
    )
  })

  it('refuse every single-byte change with MUASTS_ERR_STORE_CORRUPT', () => {
    fc.assert(
      fc.property(arbRecord, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ seq, audit, imap }, at, xor) => {
        const value = encodeRecord(seal, { account: 'acct_p', seq, audit, commitments: imap ? { imap } : {} })
        const i = at % value.length
        const changed =
          value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ xor) + value.slice(i + 1)
        expect(() => decodeRecord(seal, 'acct_p', changed)).toThrow(
          expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
        )
      }),
    )
  })

  it('answer arbitrary values with a record or MUASTS_ERR_STORE_CORRUPT, never another error', () => {
    const near = fc.string().map((s) => `mua-sts/redis-record/1 ${s}`)
    fc.assert(
      fc.property(fc.oneof(fc.string(), near), (v) => corruptOnly(() => decodeRecord(seal, 'acct_p', v))),
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), near), { maxLength: 4 }), (vs) =>
        corruptOnly(() => decodeAudit(seal, 'acct_p', vs.length, vs)),
      ),
    )
  })

  it('are bound to their account', () => {
    fc.assert(
      fc.property(arbAccount, arbAccount, (a, b) => {
        fc.pre(a !== b && AccountRefSchema.safeParse(a).success)
        const value = encodeRecord(seal, { account: a, seq: 1, audit: 0, commitments: {} })
        expect(() => decodeRecord(seal, b, value)).toThrow(
          expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
        )
      }),
    )
  })
})

describe('key names and stream entries', () => {
  it('give back the account a record key was made for', () => {
    fc.assert(fc.property(arbAccount, (a) => accountOfRecordKey('p', accountKeys('p', a).record) === a))
    expect(accountOfRecordKey('p', 'other:{x}:rec')).toBeUndefined()
  })

  it('parse any report stream entry without throwing', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.oneof(fc.constant('report'), fc.string(), fc.json())),
        (id, fields) => {
          const e = parseEntry(id, fields)
          expect(e.id).toBe(id)
          expect('report' in e || 'invalid' in e).toBe(true)
        },
      ),
    )
  })
})
