// The integrity errors every CommitmentStore raises alike, so a guard handles any backend the same way
// (the code is the API; `details.reason` names what failed for logs and tests, never key material or
// record bytes). Fail closed: neither is ever read as "no commitment".
import { ErrorCode, SdkError } from '../errors.js'

type Details = Record<string, unknown>

/** MUASTS_ERR_STORE_CORRUPT: stored data failed verification (MAC, format, schema, size, wrong account). */
export function storeCorrupt(reason: string, details: Details = {}, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.StoreCorrupt, `Commitment store corrupt: ${reason}.`, {
    cause,
    details: { reason, ...details },
  })
}

/** MUASTS_ERR_STORE_ROLLBACK: authentic data older than a version already seen (a high-water mark). */
export function storeRollback(reason: string, details: Details = {}): SdkError {
  return new SdkError(ErrorCode.StoreRollback, `Commitment store rolled back: ${reason}.`, {
    details: { reason, ...details },
  })
}
