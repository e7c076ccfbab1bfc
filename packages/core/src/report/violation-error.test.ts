// isCommitmentViolation (issue #16 item 3): apps narrow a refusal and read `.report` with no cast; the
// guard goes by the SDK brand, the code and a report, so a duplicate install still matches and a
// look-alike (a plain object or Error with the same `code`) never does.
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ErrorCode, SdkError } from '../errors.js'
import { evaluate } from '../evaluate/evaluate.js'
import { goodObservation, OTHER_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { buildReport, type Report } from './report.js'
import { CommitmentViolationError, isCommitmentViolation } from './violation-error.js'

function sampleReport(): Report {
  const c = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
  const o = goodObservation({})
  const v = evaluate(c, o)
  if (v.outcome !== 'violated') throw new Error('expected a violation')
  return buildReport({
    reportId: 'rep_0001abcd',
    now: '2026-03-01T09:12:44.120Z',
    account: 'acct_1',
    service: 'imap',
    endpoint: c.endpoint,
    violations: v.violations,
    action: 'blocked_before_auth',
    commitment: c,
    observation: o,
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}

describe('isCommitmentViolation()', () => {
  it('narrows a guard refusal so that .report is typed, with no cast', () => {
    const report = sampleReport()
    const error: unknown = new CommitmentViolationError(report)
    expect(isCommitmentViolation(error)).toBe(true)
    if (isCommitmentViolation(error)) {
      expectTypeOf(error.report).toEqualTypeOf<Report>()
      expect(error.report.violations.map((v) => v.code)).toEqual(['spki_pin_mismatch'])
    }
  })

  it('recognises a refusal from a duplicate install of @mua-sts/core by brand', () => {
    const report = sampleReport()
    const foreign = Object.assign(new Error('refused'), { code: ErrorCode.CommitmentViolated, report })
    Object.defineProperty(foreign, Symbol.for('@mua-sts/error'), { value: true })
    expect(isCommitmentViolation(foreign)).toBe(true)
  })

  it.each([
    ['a plain object with the code and a report', { code: ErrorCode.CommitmentViolated, report: {} }],
    [
      'an Error with the code and a report',
      Object.assign(new Error('x'), { code: 'MUASTS_ERR_COMMITMENT_VIOLATED', report: { violations: [] } }),
    ],
    ['an SdkError of that code without a report', new SdkError(ErrorCode.CommitmentViolated)],
    ['an SdkError of another code', new SdkError(ErrorCode.AuthFailed)],
    [
      'a timeout that carries a stall report',
      Object.defineProperty(new SdkError(ErrorCode.Timeout), 'report', { value: { violations: [] } }),
    ],
    ['a CommitmentViolationError-shaped error whose report is not an object', brandedWith('nope')],
    ['null', null],
    ['a string', 'MUASTS_ERR_COMMITMENT_VIOLATED'],
  ])('rejects %s', (_, value) => {
    expect(isCommitmentViolation(value)).toBe(false)
  })
})

function brandedWith(report: unknown): unknown {
  const e = new SdkError(ErrorCode.CommitmentViolated)
  Object.defineProperty(e, 'report', { value: report })
  return e
}
