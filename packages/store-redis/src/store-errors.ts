// Constructors for the Redis store's coded errors. The codes are FileStore's (a guard handles both stores
// alike); `details.reason` names what failed and never contains key material or record bytes.
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'

type Details = Record<string, unknown>

// A record or audit entry failed verification (MAC, format, schema, wrong account), or is authentic but
// older than a version this process (or the high-water hook) has seen: fail closed, exactly as FileStore.
export { storeCorrupt as corrupt, storeRollback as rollback } from '@mua-sts/core'

/** Redis unreachable, timed out, or refused a command: never read as "no commitment". */
export function io(operation: string, cause: unknown, details: Details = {}): SdkError {
  if (isSdkError(cause)) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  return new SdkError(ErrorCode.StoreIo, `Commitment store I/O failed (${operation}): ${message}`, {
    cause,
    details: { operation, ...details },
  })
}

/** The compare-and-set lost `attempts` times in a row; nothing was written. */
export function contended(account: string, attempts: number): SdkError {
  return new SdkError(
    ErrorCode.StoreContended,
    `Commitment store: ${attempts} concurrent writes to ${account} won every race; nothing was written.`,
    { details: { account, attempts } },
  )
}

/** MUASTS_ERR_INVALID_OPTION naming what was wrong. */
export function invalid(what: string, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.InvalidOption, `RedisCommitmentStore: ${what}`, { cause })
}
