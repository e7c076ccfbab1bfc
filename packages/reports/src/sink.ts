// A report sink receives every report at the moment of failure. Decisions never depend on sinks
// (house style H19): a sink that throws, rejects or never resolves cannot change or delay a refusal.
import type { Report } from '@mua-sts/core'

/** Anything that receives reports from a {@link ReportDispatcher}; JsonlOutbox is one. */
export interface ReportSink {
  /** Used in diagnostics when the sink fails. */
  readonly name: string
  /**
   * Called synchronously from the guard before the guarded call rejects. Work that must be durable
   * before the rejection (the outbox) is done synchronously here; anything else may return a promise,
   * which is never awaited.
   */
  write(report: Report): void | Promise<void>
}
