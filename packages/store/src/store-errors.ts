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

/**
 * MUASTS_ERR_STORE_IO: a file-system call failed. The message names the file or directory and the
 * errno; the same facts are properties, and Node's own error is the `cause`.
 */
export class StoreIoError extends SdkError {
  /** The file or directory the failed call was about, if known. */
  readonly path: string | undefined
  /** The symbolic errno (`ENOTDIR`, `ENOSPC`, `EACCES`, …), if known. */
  readonly errno: string | undefined
  /** The system call that failed (`open`, `mkdir`, `rename`, …), if known. */
  readonly syscall: string | undefined

  constructor(operation: string, cause: unknown, details: Details = {}, path?: string) {
    const fields = (cause ?? {}) as { path?: unknown; syscall?: unknown }
    // Node's error names the path of path-based calls; calls on a descriptor (read, fsync) need it given.
    const where = typeof fields.path === 'string' ? fields.path : path
    const errno = errnoOf(cause)
    const syscall = typeof fields.syscall === 'string' ? fields.syscall : undefined
    const what = `${errno ?? 'error'}${syscall === undefined ? '' : ` in ${syscall}()`}`
    super(
      ErrorCode.StoreIo,
      `Commitment store I/O failed (${operation}): ${what}${where === undefined ? '' : ` on ${where}`}.`,
      { cause, details: { operation, errno, syscall, path: where, ...details } },
    )
    this.path = where
    this.errno = errno
    this.syscall = syscall
  }
}

/** Wraps a file-system failure as MUASTS_ERR_STORE_IO (see StoreIoError); `path` if `cause` has none. */
export function io(operation: string, cause: unknown, details: Details = {}, path?: string): StoreIoError {
  return new StoreIoError(operation, cause, details, path)
}

/** The errno of a Node fs error, or undefined (also for SDK errors, whose `code` is not an errno). */
export function errnoOf(error: unknown): string | undefined {
  if (isSdkError(error)) return undefined
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
