// Fans a report out to sinks, synchronously, at the moment of failure (house style H19: decisions never
// depend on listeners). Failing sinks are isolated: a throw or a rejection goes to the
// `mua-sts:sink-error` diagnostics channel and never reaches the guard; a promise that never settles is
// simply never awaited. Only a sink that blocks synchronously could delay the caller, which is why the
// only synchronous work a sink may do is the bounded outbox append (see JsonlOutbox).
import type { Report, SecurityRecord } from '@mua-sts/core'
import { publishSinkError, reportChannel } from './channels.js'
import type { ReportSink } from './sink.js'

/**
 * Receives the security record of every guarded connection, passed or refused (issue #14). Opt-in:
 * records reach only sinks added with `recordSinks` or {@link ReportDispatcher.addRecordSink}. A record
 * holds no credential, user name or mail address. Same rules as a ReportSink: never awaited, isolated.
 */
export interface SecurityRecordSink {
  readonly name: string
  writeRecord(record: SecurityRecord): void | Promise<void>
}

/** Options of {@link ReportDispatcher}. */
export type ReportDispatcherOptions = {
  /** Sinks for security records (success records included); none by default. */
  readonly recordSinks?: readonly SecurityRecordSink[]
}

/**
 * Synchronous fan-out of reports to sinks and to the `mua-sts:report` diagnostics channel.
 * Pass one to a guard as `reports`; the guard calls {@link ReportDispatcher.dispatch} before it rejects,
 * and {@link ReportDispatcher.dispatchRecord} once per checked connection.
 */
export class ReportDispatcher {
  readonly #sinks: ReportSink[]
  readonly #recordSinks: SecurityRecordSink[]
  constructor(sinks: readonly ReportSink[] = [], options: ReportDispatcherOptions = {}) {
    this.#sinks = [...sinks]
    this.#recordSinks = [...(options.recordSinks ?? [])]
  }

  /**
   * Whether a security record given now would reach any sink. Guards read it at each check: a passing
   * record nobody receives is then built only if the app reads it (issue #17). Does no I/O.
   */
  get receivesRecords(): boolean {
    return this.#recordSinks.length > 0
  }

  /** Adds a security-record sink (opt-in); returns a function that removes it again. Does no I/O. */
  addRecordSink(sink: SecurityRecordSink): () => void {
    this.#recordSinks.push(sink)
    return () => {
      const i = this.#recordSinks.indexOf(sink)
      if (i !== -1) this.#recordSinks.splice(i, 1)
    }
  }

  /**
   * Delivers a security record to the record sinks (none unless the app added one). Never throws,
   * never awaits. The guard publishes the record on `mua-sts:security-record` itself.
   */
  dispatchRecord(record: SecurityRecord): void {
    for (const sink of [...this.#recordSinks]) {
      try {
        const pending = sink.writeRecord(record)
        if (pending !== undefined && typeof pending.then === 'function') {
          pending.then(undefined, (error: unknown) => sinkFailed(sink, record.recordId, error))
        }
      } catch (error) {
        sinkFailed(sink, record.recordId, error)
      }
    }
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
          pending.then(undefined, (error: unknown) => sinkFailed(sink, report.reportId, error))
        }
      } catch (error) {
        sinkFailed(sink, report.reportId, error)
      }
    }
    if (reportChannel.hasSubscribers) {
      try {
        reportChannel.publish(report)
      } catch (error) {
        sinkFailed({ name: 'diagnostics_channel' }, report.reportId, error)
      }
    }
  }
}

function sinkFailed(sink: Pick<ReportSink, 'name'>, reportId: string, error: unknown): void {
  let name = 'unnamed'
  try {
    name = String(sink.name)
  } catch {
    // A hostile `name` getter must not escape either.
  }
  publishSinkError({ sink: name, reportId, error })
}
