// Error vocabulary of @mua-sts/pop3. Codes are stable API: match on `err.code`, not on messages.
// Every code is one of core's ErrorCode values (house style H11: one table for the whole SDK), and
// Pop3Error is an SdkError, so `isSdkError(err, code)` works on everything this package throws.
import { type ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import type { Pop3PreTlsAnomaly } from './anomaly.js'

export const Pop3ErrorCode = {
  /** The server broke the protocol: bad status line, over-long line, unsolicited data, bad listing. */
  Protocol: 'MUASTS_ERR_POP3_PROTOCOL',
  /** A step (connect, greeting, handshake, command, gate) did not finish in time. */
  Timeout: 'MUASTS_ERR_POP3_TIMEOUT',
  /** The server answered a normal command with `-ERR` (after TLS; the text is sanitized). */
  CommandFailed: 'MUASTS_ERR_POP3_COMMAND_FAILED',
  /** A multi-line response exceeded its configured size limit. */
  TooLarge: 'MUASTS_ERR_POP3_TOO_LARGE',
  /** The connection is closed, could not be opened, or was torn down by an earlier error. */
  Closed: 'MUASTS_ERR_POP3_CLOSED',
  /** TLS could not be established: STLS missing or refused, bytes injected after STLS, handshake failed. */
  TlsUnavailable: 'MUASTS_ERR_POP3_TLS_UNAVAILABLE',
  /**
   * Tripwire: a credential command was attempted on a socket that the gate (or, for connectPop3, the
   * guard) never passed. The same code and mechanism as every other guarded client of the SDK.
   */
  GuardBypassed: 'MUASTS_ERR_GUARD_BYPASSED',
  /** Caller input (connect options, credentials, message numbers) failed validation. */
  InvalidOption: 'MUASTS_ERR_INVALID_OPTION',
} as const satisfies Record<string, ErrorCode>
export type Pop3ErrorCode = (typeof Pop3ErrorCode)[keyof typeof Pop3ErrorCode]

/** POP3 commands (and pseudo-steps) an error can be attributed to. Never carries arguments. */
export type Pop3Step =
  | 'connect'
  | 'greeting'
  | 'CAPA'
  | 'STLS'
  | 'handshake'
  | 'gate'
  | 'USER'
  | 'PASS'
  | 'AUTH PLAIN'
  | 'AUTH XOAUTH2'
  | 'STAT'
  | 'LIST'
  | 'UIDL'
  | 'RETR'
  | 'TOP'
  | 'DELE'
  | 'RSET'
  | 'NOOP'
  | 'QUIT'

export type Pop3ErrorDetails = {
  readonly cause?: unknown
  readonly step?: Pop3Step
  /** RFC 2449 §8 extended response code, e.g. `AUTH`, `SYS/TEMP`, `IN-USE` (post-TLS only). */
  readonly responseCode?: string
  /** Sanitized server text (post-TLS only; pre-TLS text is attacker-controlled and never surfaced). */
  readonly serverText?: string
  /** Set when the failure happened before TLS was established; feeds a policy observation. */
  readonly anomaly?: Pop3PreTlsAnomaly
}

const POP3_CODES: ReadonlySet<string> = new Set(Object.values(Pop3ErrorCode))

/**
 * The protocol-level error class of this package. Besides these, the guarded `connectPop3` rejects
 * with core's SdkErrors (`MUASTS_ERR_COMMITMENT_VIOLATED`, `MUASTS_ERR_NO_COMMITMENT`, store errors),
 * and the raw client with whatever the caller's own gate threw.
 */
export class Pop3Error extends SdkError {
  declare readonly code: Pop3ErrorCode
  readonly step: Pop3Step | undefined
  readonly responseCode: string | undefined
  readonly serverText: string | undefined
  readonly anomaly: Pop3PreTlsAnomaly | undefined

  constructor(code: Pop3ErrorCode, message: string, details: Pop3ErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause })
    this.step = details.step
    this.responseCode = details.responseCode
    this.serverText = details.serverText
    this.anomaly = details.anomaly
  }
}

/**
 * True for an SDK error (from any copy of the SDK in the bundle) whose code is one of
 * {@link Pop3ErrorCode}, optionally exactly `code`. Core's `isSdkError` is the general form.
 */
export function isPop3Error(x: unknown, code?: Pop3ErrorCode): x is Pop3Error {
  return isSdkError(x) && POP3_CODES.has(x.code) && (code === undefined || x.code === code)
}

/** Builds the error thrown by every operation attempted after the connection failed or closed. */
export function closedAfter(previous: Pop3Error | undefined): Pop3Error {
  const why =
    previous === undefined ? 'the connection is closed' : `the connection failed earlier (${previous.code})`
  return new Pop3Error(
    Pop3ErrorCode.Closed,
    `POP3: ${why}`,
    previous === undefined ? {} : { cause: previous },
  )
}
