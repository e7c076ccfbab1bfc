// @mua-sts/reports: getting failure reports to the people who need them (issue #7).
// Explicit export list (house style H2). Every export carries TSDoc at its definition.

export {
  DELIVERY_CHANNEL,
  type DeliveryEvent,
  OUTBOX_CHANNEL,
  type OutboxEvent,
  REPORT_CHANNEL,
  SECURITY_RECORD_CHANNEL,
  SINK_ERROR_CHANNEL,
  type SinkErrorEvent,
} from './channels.js'
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './delivery/backoff.js'
export {
  DELIVERY_FORMAT_VERSION,
  type DeliveryBatch,
  DeliveryBatchSchema,
  type DeliveryEntry,
  DeliveryEntrySchema,
} from './delivery/batch.js'
export { type DeliveryCursor, DeliveryCursorSchema } from './delivery/cursor.js'
export {
  type DeliveryTimers,
  type HttpsDeliveryOptions,
  HttpsDeliveryOptionsSchema,
} from './delivery/delivery-options.js'
export { type FlushResult, HttpsDelivery } from './delivery/https-delivery.js'
export { spkiPinOf } from './delivery/https-post.js'
export {
  ReportDispatcher,
  type ReportDispatcherOptions,
  type SecurityRecordSink,
} from './dispatcher.js'
export { callbackSink, type ReportEvent, toReportEvent } from './event-sink.js'
export {
  decodeFrame,
  encodeFrame,
  FRAME_PREFIX,
  FRAME_VERSION,
  type FrameDecode,
  type FrameRejection,
  frameChecksum,
  MAX_RECORD_BYTES,
} from './outbox/frame.js'
export {
  DEFAULT_MAX_SEGMENT_BYTES,
  DEFAULT_MAX_SEGMENTS,
  JsonlOutbox,
  type JsonlOutboxOptions,
  JsonlOutboxOptionsSchema,
  type OutboxRange,
  type OutboxReadResult,
} from './outbox/jsonl-outbox.js'
export { type DecodedBytes, decodeOutboxBytes, type ScannedRecord } from './outbox/read-lines.js'
export {
  DEFAULT_RECORD_LOG_BYTES,
  JsonlRecordLog,
  type JsonlRecordLogOptions,
  JsonlRecordLogOptionsSchema,
  RECORD_LOG_FILE,
  RECORD_LOG_PREVIOUS,
  type RecordLogReadResult,
} from './records/record-log.js'
export type { ReportSink } from './sink.js'
export {
  buildTlsrptReport,
  DEFAULT_ORGANIZATION_NAME,
  type TlsrptExportOptions,
  TlsrptExportOptionsSchema,
} from './tlsrpt/export.js'
export {
  type TlsrptFailureDetail,
  TlsrptFailureDetailSchema,
  type TlsrptPolicy,
  TlsrptPolicySchema,
  type TlsrptReport,
  TlsrptReportSchema,
  TlsrptResultTypeSchema,
} from './tlsrpt/schema.js'
