// What Guard.check() and Guard.checkDeferred() return: a pass with the connection's security record, or
// a refusal with its report (dispatched) or its pending report (dispatched once the adapter says what it
// sent in band, issue #14).
import type { CommitmentViolationError, InBand, Report, SecurityRecord } from '@mua-sts/core'

/**
 * A passed check, with the connection's security record (issue #14). Guard always sets `record`; it is
 * optional only so that test doubles of check() need not build one. When nothing received records at
 * the time of the check, `record` is built (and validated) on first read, from facts taken at the check.
 */
export type CheckPassed = { readonly ok: true; readonly record?: SecurityRecord | undefined }

export type CheckResult =
  | CheckPassed
  | {
      readonly ok: false
      readonly report: Report
      readonly error: CommitmentViolationError
      /**
       * The failure message that may be sent in band before disconnecting (see buildFailureInBand), or
       * null when nothing may be: the mode forbids it, or nothing reportable failed (an SPKI pin only).
       */
      readonly inBand: InBand | null
      readonly record: SecurityRecord
    }

/**
 * A refused check whose report waits until the adapter knows what it wrote ({@link Guard.checkDeferred}).
 * `complete(sent)` builds and dispatches the report (its action claims an in-band message only when
 * `sent` is one) and returns the error to throw; later calls return the same error, ignoring `sent`.
 */
export type DeferredRefusal = {
  readonly ok: false
  readonly inBand: InBand | null
  readonly record: SecurityRecord
  complete(sent: InBand | null): CommitmentViolationError
}
