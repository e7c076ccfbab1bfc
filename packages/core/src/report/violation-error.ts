// The single error a guard throws when it refuses a connection (house style H10): the violations travel
// as data inside the attached report, the code is stable for programs to match on.
import { type ErrorCode as Code, ErrorCode, SdkError } from '../errors.js'
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
