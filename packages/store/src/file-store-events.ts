// The events a FileStore emits (informational only, house style H19) and how a thrown integrity error
// becomes an 'integrity-failure' payload.
import { type AccountRef, type Commitment, ErrorCode, isSdkError, type SdkError } from '@mua-sts/core'
import type { StoreAuditRecord } from './audit/audit-log.js'

/** Payload of the 'integrity-failure' event: the store refused data (or the keychain) and threw `error`. */
export type IntegrityFailure = {
  readonly code: ErrorCode
  readonly reason: string
  /** The account whose data failed, when the failure concerns one account. */
  readonly account?: AccountRef
  readonly error: SdkError
}

/** Events of a FileStore. Informational only (house style H19): a throwing listener is contained. */
export type FileStoreEvents = {
  strengthened: [commitment: Commitment]
  forgotten: [record: StoreAuditRecord]
  /** A `replace` or `rotate-pins` ceremony completed. */
  replaced: [record: StoreAuditRecord]
  /** A store reset completed. */
  reset: [record: StoreAuditRecord]
  'integrity-failure': [failure: IntegrityFailure]
}

const INTEGRITY_CODES: ReadonlySet<string> = new Set([
  ErrorCode.StoreCorrupt,
  ErrorCode.StoreRollback,
  ErrorCode.KeychainUnavailable,
])

/** The 'integrity-failure' payload for `error`, or undefined if it is not an integrity failure. Pure. */
export function integrityFailureOf(
  account: AccountRef | undefined,
  error: unknown,
): IntegrityFailure | undefined {
  if (!isSdkError(error) || !INTEGRITY_CODES.has(error.code)) return undefined
  const detail = (error.details ?? {}) as { reason?: unknown }
  const reason = typeof detail.reason === 'string' ? detail.reason : error.message
  return { code: error.code, reason, ...(account === undefined ? {} : { account }), error }
}
