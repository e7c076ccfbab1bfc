// node:diagnostics_channel names (observability tools subscribe). Subscribers must not throw: Node catches a
// subscriber's throw and re-raises it on the next tick as an uncaught exception, so it never reaches the
// synchronous guard/outbox path; the try/catch below is a second fence for older or patched runtimes.
import diagnostics_channel from 'node:diagnostics_channel'

/** Every report, published synchronously at the moment of failure. */
export const REPORT_CHANNEL = 'mua-sts:report'
/**
 * The security record of every guarded connection, pass or fail (`SecurityRecord` from @mua-sts/core),
 * published synchronously by the guard when the check ran (issue #14). Success records go nowhere else
 * unless the app opts in with a record sink ({@link ReportDispatcher} `recordSinks`).
 */
export const SECURITY_RECORD_CHANNEL = 'mua-sts:security-record'
/** A sink that threw or rejected: `{ sink, reportId, error }`. */
export const SINK_ERROR_CHANNEL = 'mua-sts:sink-error'
/** Outbox housekeeping that a human may need to know about: {@link OutboxEvent}. */
export const OUTBOX_CHANNEL = 'mua-sts:outbox'
/** Delivery progress and failures: {@link DeliveryEvent}. */
export const DELIVERY_CHANNEL = 'mua-sts:delivery'

/** The channel objects (publishing is internal; subscribe by name). */
export const reportChannel = diagnostics_channel.channel(REPORT_CHANNEL)
export const sinkErrorChannel = diagnostics_channel.channel(SINK_ERROR_CHANNEL)
const outboxChannel = diagnostics_channel.channel(OUTBOX_CHANNEL)
const deliveryChannel = diagnostics_channel.channel(DELIVERY_CHANNEL)

/** Published on `mua-sts:sink-error`. */
export type SinkErrorEvent = { readonly sink: string; readonly reportId: string; readonly error: unknown }

/** Published on `mua-sts:outbox`. Every record the outbox gives up is announced here, never dropped quietly. */
export type OutboxEvent =
  | { readonly type: 'rotated'; readonly dir: string; readonly segment: number }
  /** The size budget was exceeded: the oldest segment was deleted with `records` complete reports in it. */
  | {
      readonly type: 'segment-dropped'
      readonly dir: string
      readonly segment: number
      readonly records: number
      readonly bytes: number
    }
  /** A report over the record cap was stored without `observed`/`expected` (listed in `removed`). */
  | {
      readonly type: 'record-trimmed'
      readonly dir: string
      readonly reportId: string
      readonly removed: string[]
    }
  /** The segment was dropped while this process was appending to it; the record was appended again. */
  | {
      readonly type: 'append-retried'
      readonly dir: string
      readonly segment: number
      readonly reportId: string
    }
  | {
      readonly type: 'rotate-failed'
      readonly dir: string
      readonly segment: number
      readonly error: unknown
    }

/** Published on `mua-sts:delivery`. */
export type DeliveryEvent =
  | {
      readonly type: 'delivered'
      readonly endpoint: string
      readonly records: number
      readonly entries: number
    }
  | {
      readonly type: 'attempt-failed'
      readonly endpoint: string
      readonly attempt: number
      readonly retryInMs: number | null
      readonly error: unknown
    }
  /** Lines in the outbox that failed validation were skipped (counted, never sent). */
  | { readonly type: 'skipped-invalid'; readonly segment: number; readonly lines: number }
  /** The cursor did not match the outbox (new outbox, unreadable cursor): delivery restarts from the start. */
  | { readonly type: 'cursor-reset'; readonly reason: string }
  | { readonly type: 'flush-failed'; readonly endpoint: string; readonly error: unknown }

function publish(channel: diagnostics_channel.Channel, message: unknown): void {
  if (!channel.hasSubscribers) return
  try {
    channel.publish(message)
  } catch {
    // The storage or delivery path carries on regardless of a misbehaving subscriber.
  }
}

/** Publishes without ever throwing into the caller. */
export function publishOutboxEvent(event: OutboxEvent): void {
  publish(outboxChannel, event)
}

/** Publishes without ever throwing into the caller. */
export function publishDeliveryEvent(event: DeliveryEvent): void {
  publish(deliveryChannel, event)
}

/** Publishes without ever throwing into the caller. */
export function publishSinkError(event: SinkErrorEvent): void {
  publish(sinkErrorChannel, event)
}
