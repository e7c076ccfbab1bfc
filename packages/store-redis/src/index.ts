// @mua-sts/store-redis: the commitment store and report stream for fleets of workers (issue #18).
// Explicit export list (house style H2).

export { type RedisConnection, RedisConnectionSchema } from './client/connection.js'
export { type RedisStoreOptions, RedisStoreOptionsSchema } from './options.js'
export { RECORD_FORMAT } from './record/account-record.js'
export { AUDIT_FORMAT } from './record/audit-entry.js'
export { type HighWaterHook, HighWaterHookSchema } from './record/high-water.js'
export { accountKeys } from './record/keys.js'
export { RedisCommitmentStore, type RedisStoreEvents } from './redis-store.js'
export { reportKeys } from './reports/report-keys.js'
export {
  RedisReportStream,
  type RedisReportStreamOptions,
  RedisReportStreamOptionsSchema,
} from './reports/report-stream.js'
export {
  RedisReportWorker,
  type RedisReportWorkerOptions,
  RedisReportWorkerOptionsSchema,
  type WorkerRound,
} from './reports/report-worker.js'
