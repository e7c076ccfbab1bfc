// One error base for the whole SDK: stable codes, a brand that survives duplicate installs (two copies of
// @mua-sts/core in one Electron bundle), and default messages kept in one table (house style H11).

/** Every error code the SDK can throw. Codes are API: never renamed, only added. */
export const ErrorCode = {
  InvalidOption: 'MUASTS_ERR_INVALID_OPTION',
  CommitmentViolated: 'MUASTS_ERR_COMMITMENT_VIOLATED',
  CommitmentMismatch: 'MUASTS_ERR_COMMITMENT_MISMATCH',
  NoCommitment: 'MUASTS_ERR_NO_COMMITMENT',
  StoreCorrupt: 'MUASTS_ERR_STORE_CORRUPT',
  StoreRollback: 'MUASTS_ERR_STORE_ROLLBACK',
  StoreLocked: 'MUASTS_ERR_STORE_LOCKED',
  StoreIo: 'MUASTS_ERR_STORE_IO',
  KeychainUnavailable: 'MUASTS_ERR_KEYCHAIN_UNAVAILABLE',
  ConfirmationRequired: 'MUASTS_ERR_CONFIRMATION_REQUIRED',
  GuardBypassed: 'MUASTS_ERR_GUARD_BYPASSED',
  Protocol: 'MUASTS_ERR_PROTOCOL',
  Timeout: 'MUASTS_ERR_TIMEOUT',
  Connection: 'MUASTS_ERR_CONNECTION',
  AuthFailed: 'MUASTS_ERR_AUTH_FAILED',
  TooLarge: 'MUASTS_ERR_TOO_LARGE',
  CommandFailed: 'MUASTS_ERR_COMMAND_FAILED',
  Pop3Protocol: 'MUASTS_ERR_POP3_PROTOCOL',
  Pop3Timeout: 'MUASTS_ERR_POP3_TIMEOUT',
  Pop3CommandFailed: 'MUASTS_ERR_POP3_COMMAND_FAILED',
  Pop3TooLarge: 'MUASTS_ERR_POP3_TOO_LARGE',
  Pop3Closed: 'MUASTS_ERR_POP3_CLOSED',
  Pop3TlsUnavailable: 'MUASTS_ERR_POP3_TLS_UNAVAILABLE',
  Discovery: 'MUASTS_ERR_DISCOVERY',
  ReportDelivery: 'MUASTS_ERR_REPORT_DELIVERY',
  ReportOutboxIo: 'MUASTS_ERR_REPORT_OUTBOX_IO',
  Aborted: 'MUASTS_ERR_ABORTED',
  Internal: 'MUASTS_ERR_INTERNAL',
  ProposalTampered: 'MUASTS_ERR_PROPOSAL_TAMPERED',
  CommitmentConflict: 'MUASTS_ERR_COMMITMENT_CONFLICT',
  PinConflict: 'MUASTS_ERR_PIN_CONFLICT',
  StoreInsecure: 'MUASTS_ERR_STORE_INSECURE',
  DaneUnavailable: 'MUASTS_ERR_DANE_UNAVAILABLE',
  StoreContended: 'MUASTS_ERR_STORE_CONTENDED',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Default one-line messages; callers may add detail but the code is what programs match on. */
export const ErrorMessages: Readonly<Record<ErrorCode, string>> = {
  MUASTS_ERR_INVALID_OPTION: 'An option is invalid or tries to override a security setting the SDK owns.',
  MUASTS_ERR_COMMITMENT_VIOLATED: 'The connection does not meet the security commitment for this account.',
  MUASTS_ERR_COMMITMENT_MISMATCH: 'Two commitments for different accounts or services cannot be merged.',
  MUASTS_ERR_NO_COMMITMENT: 'No security commitment exists for this account and service.',
  MUASTS_ERR_STORE_CORRUPT: 'The commitment store failed its integrity check; connections are refused.',
  MUASTS_ERR_STORE_ROLLBACK:
    'The commitment store is older than its recorded high-water mark; connections are refused.',
  MUASTS_ERR_STORE_LOCKED: 'The commitment store lock could not be acquired in time.',
  MUASTS_ERR_STORE_IO: 'The commitment store could not be read or written.',
  MUASTS_ERR_KEYCHAIN_UNAVAILABLE:
    'The OS keychain is locked or unavailable; the SDK will not fall back to an unprotected mode.',
  MUASTS_ERR_CONFIRMATION_REQUIRED:
    'Weakening a commitment needs an explicit, user-confirmed request with a reason.',
  MUASTS_ERR_GUARD_BYPASSED: 'Credentials were about to be sent on a connection the guard never checked.',
  MUASTS_ERR_PROTOCOL: 'The server sent a malformed or unexpected response.',
  MUASTS_ERR_TIMEOUT: 'The server did not answer in time.',
  MUASTS_ERR_CONNECTION: 'The connection failed or was closed.',
  MUASTS_ERR_AUTH_FAILED: 'The server rejected the credentials.',
  MUASTS_ERR_TOO_LARGE: 'A response exceeded the configured size limit.',
  MUASTS_ERR_COMMAND_FAILED: 'The server refused a command.',
  MUASTS_ERR_POP3_PROTOCOL: 'The POP3 server sent a malformed or unexpected response.',
  MUASTS_ERR_POP3_TIMEOUT: 'The POP3 server did not answer in time.',
  MUASTS_ERR_POP3_COMMAND_FAILED: 'The POP3 server refused a command.',
  MUASTS_ERR_POP3_TOO_LARGE: 'A POP3 response exceeded the configured size limit.',
  MUASTS_ERR_POP3_CLOSED: 'The POP3 connection is closed.',
  MUASTS_ERR_POP3_TLS_UNAVAILABLE:
    'TLS could not be established with the POP3 server (STLS missing, refused or tampered with).',
  MUASTS_ERR_DISCOVERY: 'Server discovery failed.',
  MUASTS_ERR_REPORT_DELIVERY: 'A report could not be delivered; it stays in the outbox.',
  MUASTS_ERR_REPORT_OUTBOX_IO: 'The report outbox could not be read or written.',
  MUASTS_ERR_ABORTED: 'The operation was aborted.',
  MUASTS_ERR_INTERNAL: 'An internal invariant failed.',
  MUASTS_ERR_PROPOSAL_TAMPERED:
    'The setup proposal was altered after propose() made it, has expired, was already used, or was made by another process; run setup again.',
  MUASTS_ERR_COMMITMENT_CONFLICT:
    'An existing commitment conflicts with the one being pinned; replace or forget it through the audited ceremony.',
  MUASTS_ERR_PIN_CONFLICT:
    'The key pins have no key in common; adding a key is a weakening and needs the audited pin rotation ceremony.',
  MUASTS_ERR_STORE_INSECURE:
    'The commitment store directory can be written by other users and is not owned by this user.',
  MUASTS_ERR_DANE_UNAVAILABLE:
    'A DANE requirement needs a DNSSEC-validating resolver, and none is configured; it was not written.',
  MUASTS_ERR_STORE_CONTENDED:
    'Other writers kept changing the commitment while this write was retried; nothing was written.',
}

const BRAND = Symbol.for('@mua-sts/error')

/** Base class of every error the SDK throws. Match on `code`, not on the class. */
export class SdkError extends Error {
  readonly code: ErrorCode
  /** Extra structured data (never secrets). */
  readonly details: Readonly<Record<string, unknown>> | undefined
  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message ?? ErrorMessages[code], options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = options?.details
    Object.defineProperty(this, BRAND, { value: true })
  }
}

/** True for any SDK error, from any copy of this package; optionally of one code. */
export function isSdkError(x: unknown, code?: ErrorCode): x is SdkError {
  return (
    typeof x === 'object' &&
    x !== null &&
    BRAND in x &&
    (code === undefined || (x as { code?: unknown }).code === code)
  )
}

/** Normalises anything thrown across a boundary into an SdkError (keeps SDK errors as they are). */
export function toSdkError(x: unknown, fallback: ErrorCode = ErrorCode.Internal): SdkError {
  if (isSdkError(x)) return x
  const message = x instanceof Error ? x.message : String(x)
  return new SdkError(fallback, message, { cause: x })
}
