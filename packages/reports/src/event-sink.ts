// The app-facing sink: report plus human explanations (from core's message map, kept apart from data).
// An Electron main process forwards these events to the renderer.
import { explainViolation, type Report } from '@mua-sts/core'
import type { ReportSink } from './sink.js'

/** What an app-facing listener receives for each report. */
export type ReportEvent = {
  readonly report: Report
  /** One plain-language line per violation, in the order of report.violations. */
  readonly explanations: readonly string[]
  /** The provider's saved status/help URL, if any (DEEP -04 §5.4: offer to open it). */
  readonly helpUrl: string | undefined
}

/** Adds the plain-language explanations and the help URL to a report. Pure. */
export function toReportEvent(report: Report): ReportEvent {
  return {
    report,
    explanations: report.violations.map((v) => explainViolation(v.code)),
    helpUrl: report.expected?.statusUrl?.url,
  }
}

/** A sink that calls `listener` synchronously with a ReportEvent. */
export function callbackSink(listener: (event: ReportEvent) => void, name = 'callback'): ReportSink {
  return { name, write: (report) => listener(toReportEvent(report)) }
}
