// Fans a report out to sinks, synchronously, at the moment of failure (house style H19: decisions never
// depend on listeners). Failing sinks are isolated: a throw or a rejection goes to the
// `mua-sts:sink-error` diagnostics channel and never reaches the guard; a promise that never settles is
// simply never awaited. Only a sink that blocks synchronously could delay the caller, which is why the
// only synchronous work a sink may do is the bounded outbox append (see JsonlOutbox).
import type { Report } from '@mua-sts/core'
import { publishSinkError, reportChannel } from './channels.js'
import type { ReportSink } from './sink.js'

/**
 * Synchronous fan-out of reports to sinks and to the `mua-sts:report` diagnostics channel.
 * Pass one to a guard as `reports`; the guard calls {@link ReportDispatcher.dispatch} before it rejects.
 */
export class ReportDispatcher {
  readonly #sinks: ReportSink[]
  constructor(sinks: readonly ReportSink[] = []) {
    this.#sinks = [...sinks]
  }

  /** Adds a sink; returns a function that removes it again. Does no I/O. */
  add(sink: ReportSink): () => void {
    this.#sinks.push(sink)
    return () => {
      const i = this.#sinks.indexOf(sink)
      if (i !== -1) this.#sinks.splice(i, 1)
    }
  }

  /**
   * Delivers `report` to every sink (in the order they were added) and then to the diagnostics channel.
   * Never throws, never awaits: returns as soon as every sink's synchronous part has run.
   */
  dispatch(report: Report): void {
    // Iterate a copy: a sink that removes itself (or adds another) must not skip or repeat a sink.
    for (const sink of [...this.#sinks]) {
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
  let name = 'unnamed'
  try {
    name = String(sink.name)
  } catch {
    // A hostile `name` getter must not escape either.
  }
  publishSinkError({ sink: name, reportId: report.reportId, error })
}
