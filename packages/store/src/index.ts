// @mua-sts/store: durable commitment stores (issue #3). Explicit export list (house style H2).

// The forget ceremony's request check is a rule of the CommitmentStore contract, kept in core.
export { checkForgetRequest } from '@mua-sts/core'
export {
  AUDIT_FILE,
  ResetDetailsSchema,
  type StoreAuditRecord,
  StoreAuditRecordSchema,
} from './audit/audit-log.js'
export { FileStore } from './file-store.js'
export type { FileStoreEvents, IntegrityFailure } from './file-store-events.js'
export { type FileStoreOptions, FileStoreOptionsSchema } from './file-store-options.js'
export { canonicalJson } from './format/canonical-json.js'
export { migrateV0ToV1, type StoreFileV0, StoreFileV0Schema } from './format/migrations.js'
export {
  STORE_FORMAT,
  STORE_VERSION,
  type StoreFileV1,
  StoreFileV1Schema,
} from './format/store-file.js'
export { type IntegrityMode, MARKER_FILE } from './integrity/store-marker.js'
export { MemoryCommitmentStore } from './memory-store.js'
export type { ResetScope } from './reset/diagnose.js'
export type { ResetConfirmation, ResetRequest } from './reset/reset-request.js'
export {
  type EncryptedFileSecretStoreOptions,
  encryptedFileSecretStore,
} from './secrets/encrypted-file.js'
export { type KeytarModule, type KeytarSecretStoreOptions, keytarSecretStore } from './secrets/keytar.js'
export { type MemorySecretState, MemorySecretStore } from './secrets/memory.js'
export {
  type NapiKeyringModule,
  type NapiKeyringSecretStoreOptions,
  napiKeyringSecretStore,
} from './secrets/napi-keyring.js'
export type { SecretStore } from './secrets/secret-store.js'
export { StoreIoError } from './store-errors.js'
