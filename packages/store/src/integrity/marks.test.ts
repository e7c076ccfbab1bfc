import { ErrorCode } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { checkMark, emptyMarks, encodeMarks, markOf, parseMarks, withAuditHead, withMark } from './marks.js'

const id = 'ab'.repeat(32)
const h1 = 'A'.repeat(22)
const h2 = 'B'.repeat(22)

describe('high-water marks', () => {
  const marks = withMark(emptyMarks(), id, 5, h1)

  it('accepts a file without a mark, at its mark, or ahead of it (crash after rename)', () => {
    expect(() => checkMark(emptyMarks(), id, 1, h1)).not.toThrow()
    expect(() => checkMark(marks, id, 5, h1)).not.toThrow()
    expect(() => checkMark(marks, id, 6, h2)).not.toThrow()
  })

  it('refuses a file older than its mark as a rollback', () => {
    expect(() => checkMark(marks, id, 4, h1)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreRollback }),
    )
  })

  it('refuses a different file with the same sequence number as a rollback', () => {
    expect(() => checkMark(marks, id, 5, h2)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreRollback }),
    )
  })

  it('round-trips through its keychain encoding', () => {
    const m = withAuditHead(marks, 2, h2)
    expect(parseMarks(encodeMarks(m))).toEqual(m)
    expect(markOf(m, id)).toEqual({ seq: 5, hash: h1 })
  })

  it('does not modify the marks it extends', () => {
    withMark(marks, id, 9, h2)
    expect(markOf(marks, id)).toEqual({ seq: 5, hash: h1 })
  })

  it.each([
    ['not JSON', 'nope'],
    ['another record', '{"format":"other"}'],
    ['a negative seq', JSON.stringify({ ...emptyMarks(), accounts: { [id.slice(0, 32)]: [-1, h1] } })],
  ])('treats a keychain item that is %s as corrupt', (_n, value) => {
    expect(() => parseMarks(value)).toThrow(expect.objectContaining({ code: ErrorCode.StoreCorrupt }))
  })
})
