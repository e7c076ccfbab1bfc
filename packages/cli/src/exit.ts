// Exit codes of the `mua-sts` command (documented in packages/cli/README.md) and the one place that
// maps an error to a code and a single stderr line. Scripts match on the exit code and on the
// `MUASTS_ERR_*` code at the end of the line, never on the wording.
import { ErrorCode, isSdkError, type SdkError } from '@mua-sts/core'

export const EXIT = {
  /** Done; for `probe`: at least one service has a proposed endpoint. */
  ok: 0,
  /** Refused: violations found, nothing proposable, or the user declined. */
  refused: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** The commitment store, the keychain or the report outbox failed. */
  store: 3,
  /** Network: nothing could be reached. */
  network: 4,
  /** `setup`: the server rejected the user name or password (nothing was pinned). */
  credentials: 5,
  /** A bug in mua-sts (an internal invariant failed). */
  internal: 70,
  /** Interrupted (Ctrl-C) before finishing. */
  interrupted: 130,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

const BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  [ErrorCode.InvalidOption]: EXIT.usage,
  [ErrorCode.StoreCorrupt]: EXIT.store,
  [ErrorCode.StoreRollback]: EXIT.store,
  [ErrorCode.StoreLocked]: EXIT.store,
  [ErrorCode.StoreIo]: EXIT.store,
  [ErrorCode.KeychainUnavailable]: EXIT.store,
  [ErrorCode.ReportDelivery]: EXIT.store,
  [ErrorCode.TooLarge]: EXIT.store,
  [ErrorCode.StoreInsecure]: EXIT.store,
  [ErrorCode.ConfirmationRequired]: EXIT.refused,
  [ErrorCode.ProposalTampered]: EXIT.refused,
  [ErrorCode.CommitmentConflict]: EXIT.refused,
  [ErrorCode.PinConflict]: EXIT.refused,
  [ErrorCode.AuthFailed]: EXIT.credentials,
  [ErrorCode.NoCommitment]: EXIT.refused,
  [ErrorCode.CommitmentViolated]: EXIT.refused,
  [ErrorCode.Connection]: EXIT.network,
  [ErrorCode.Timeout]: EXIT.network,
  [ErrorCode.Discovery]: EXIT.network,
  [ErrorCode.Aborted]: EXIT.interrupted,
}

/** A usage error raised by argument parsing (always exit 2). */
export class UsageError extends Error {
  readonly code = ErrorCode.InvalidOption
}

/** Exit code for anything a command threw. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage
  if (isSdkError(error)) return BY_CODE[error.code] ?? EXIT.internal
  return EXIT.internal
}

// Keychain and I/O failures are only actionable with what the OS said ("keytar could not be loaded"
// alone does not tell a missing libsecret from a locked keyring), so their cause chain is printed: one
// line, bounded, and only what the message does not already say (the store quotes the cause itself).
const SHOW_CAUSE: ReadonlySet<string> = new Set([
  ErrorCode.KeychainUnavailable,
  ErrorCode.StoreIo,
  ErrorCode.StoreInsecure,
  ErrorCode.ReportOutboxIo,
])
const MAX_CAUSE_CHARS = 200

function withCauses(error: Error): string {
  const parts = [error.message]
  let cause: unknown = error.cause
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const line = cause.message.replace(/\s+/g, ' ').trim().slice(0, MAX_CAUSE_CHARS)
    if (line !== '' && !parts.some((p) => p.includes(line))) parts.push(line)
    cause = cause.cause
  }
  return parts.join(': ')
}

/** The single stderr line for an error: `mua-sts <command>: <message> (<CODE>)`, no stack. */
export function errorLine(command: string, error: unknown): string {
  const code =
    error instanceof UsageError || isSdkError(error) ? (error as SdkError).code : ErrorCode.Internal
  const raw =
    error instanceof Error ? (SHOW_CAUSE.has(code) ? withCauses(error) : error.message) : String(error)
  // One line, whatever the message carried (server text can contain CR/LF).
  const message = raw
    .replace(/\s*[\r\n]+\s*/g, ' ')
    // Nor terminal control sequences (an OS error or a server's text could carry ESC).
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim()
  return `mua-sts${command === '' ? '' : ` ${command}`}: ${message} (${code})`
}
