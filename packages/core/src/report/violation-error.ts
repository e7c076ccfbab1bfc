// The single error a guard throws when it refuses a connection (house style H10): the violations travel
// as data inside the attached report, the code is stable for programs to match on.
import { type ErrorCode as Code, ErrorCode, isSdkError, SdkError } from '../errors.js'
import { explainViolation } from './messages.js'
import type { Report } from './report.js'

export class CommitmentViolationError extends SdkError {
  /** The report that was emitted before this error was thrown. */
  readonly report: Report
  constructor(report: Report, code: Code = ErrorCode.CommitmentViolated) {
    const first = report.violations[0]
    const why = first === undefined ? '' : ` ${explainViolation(first.code)}`
    super(
      code,
      `${report.service} ${report.endpoint.host}:${report.endpoint.port} refused before authentication [${report.violations
        .map((v) => v.code)
        .join(', ')}].${why}`,
      { details: { reportId: report.reportId, codes: report.violations.map((v) => v.code) } },
    )
    this.report = report
  }
}

/**
 * True for a guard's refusal (`MUASTS_ERR_COMMITMENT_VIOLATED`) carrying its report, from any copy of
 * this package: it checks the SDK error brand, the code and the presence of `.report`, never the class,
 * so a plain object with a matching `code` is not one. Narrows `e.report` to {@link Report}. Pure.
 */
export function isCommitmentViolation(e: unknown): e is CommitmentViolationError {
  if (!isSdkError(e, ErrorCode.CommitmentViolated)) return false
  const report = (e as { report?: unknown }).report
  return (
    typeof report === 'object' &&
    report !== null &&
    Array.isArray((report as { violations?: unknown }).violations)
  )
}
