// Constructors for the store's coded errors, so every throw site names a reason programs can log and
// tests can match (the code is the API; `details.reason` is diagnostic and never contains secrets).
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'

type Details = Record<string, unknown>

// The data failed verification (MAC, schema, canonical form, size, file type), or is authentic but older
// than the high-water mark in the keychain: fail closed, with the codes and messages every store shares.
export { storeCorrupt as corrupt, storeRollback as rollback } from '@mua-sts/core'

/** The keychain is locked, missing or refused an operation; never a reason to run unprotected. */
export function keychainUnavailable(reason: string, details: Details = {}, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.KeychainUnavailable, `Keychain unavailable: ${reason}.`, {
    cause,
    details: { reason, ...details },
  })
}

/** Wraps a file-system failure as MUASTS_ERR_STORE_IO, keeping the errno code for diagnosis. */
export function io(operation: string, cause: unknown, details: Details = {}): SdkError {
  return new SdkError(ErrorCode.StoreIo, `Commitment store I/O failed (${operation}).`, {
    cause,
    details: { operation, errno: errnoOf(cause), ...details },
  })
}

/** The errno of a Node fs error, or undefined (also for SDK errors, whose `code` is not an errno). */
export function errnoOf(error: unknown): string | undefined {
  if (isSdkError(error)) return undefined
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
