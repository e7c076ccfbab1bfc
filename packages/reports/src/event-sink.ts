// The app-facing sink: report plus human explanations (from core's message map, kept apart from data).
// An Electron main process forwards these events to the renderer.
import { acceptedStatusUrl, explainConnectionFailure, explainViolation, type Report } from '@mua-sts/core'
import type { ReportSink } from './sink.js'

/** What an app-facing listener receives for each report. */
export type ReportEvent = {
  readonly report: Report
  /**
   * One plain-language line per violation, in the order of report.violations; for a
   * `connection_error` report, the one line explaining the connection failure (never "attack").
   */
  readonly explanations: readonly string[]
  /**
   * The provider's saved status/help URL, if any (DEEP -04 §5.4: offer to open it). Re-checked with
   * core's acceptedStatusUrl, so a URL saved before the scope rule existed is never offered.
   */
  readonly helpUrl: string | undefined
}

/** Adds the plain-language explanations and the help URL to a report. Pure. */
export function toReportEvent(report: Report): ReportEvent {
  return {
    report,
    explanations:
      report.outcome === 'connection_error'
        ? [explainConnectionFailure(report.failure)]
        : report.violations.map((v) => explainViolation(v.code)),
    helpUrl: report.expected === undefined ? undefined : acceptedStatusUrl(report.expected),
  }
}

/** A sink that calls `listener` synchronously with a ReportEvent. */
export function callbackSink(listener: (event: ReportEvent) => void, name = 'callback'): ReportSink {
  return { name, write: (report) => listener(toReportEvent(report)) }
}
