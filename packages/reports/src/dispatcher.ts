// Fans a report out to sinks, synchronously, at the moment of failure. Failing sinks are isolated:
// their errors go to the `mua-sts:sink-error` diagnostics channel and never reach the guard.
import type { Report } from '@mua-sts/core'
import { reportChannel, sinkErrorChannel } from './channels.js'
import type { ReportSink } from './sink.js'

export class ReportDispatcher {
  readonly #sinks: ReportSink[]
  constructor(sinks: readonly ReportSink[] = []) {
    this.#sinks = [...sinks]
  }

  /** Adds a sink; returns a function that removes it again. */
  add(sink: ReportSink): () => void {
    this.#sinks.push(sink)
    return () => {
      const i = this.#sinks.indexOf(sink)
      if (i !== -1) this.#sinks.splice(i, 1)
    }
  }

  /** Delivers `report` to every sink and the diagnostics channel. Never throws, never awaits. */
  dispatch(report: Report): void {
    for (const sink of this.#sinks) {
      try {
        const pending = sink.write(report)
        if (pending !== undefined && typeof pending.then === 'function') {
          pending.then(undefined, (error: unknown) => sinkFailed(sink, report, error))
        }
      } catch (error) {
        sinkFailed(sink, report, error)
      }
    }
    if (reportChannel.hasSubscribers) {
      try {
        reportChannel.publish(report)
      } catch (error) {
        sinkFailed({ name: 'diagnostics_channel' }, report, error)
      }
    }
  }
}

function sinkFailed(sink: Pick<ReportSink, 'name'>, report: Report, error: unknown): void {
  if (!sinkErrorChannel.hasSubscribers) return
  try {
    sinkErrorChannel.publish({ sink: sink.name, reportId: report.reportId, error })
  } catch {
    // A throwing diagnostics subscriber must not turn into a guard failure either.
  }
}
