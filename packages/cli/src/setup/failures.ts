// Why a setup pinned nothing, in plain language. The user needs to know which of two very different
// things happened: the server said the password is wrong (fix the password), or the server failed the
// security checks and the guard refused it before any credential was sent (do not "fix" that by
// trying elsewhere). Codes stay in the JSON for scripts; the words are for people.
import { ErrorCode, type Service } from '@mua-sts/core'
import type { VerifyFailure } from '@mua-sts/setup'
import { EXIT, type ExitCode } from '../exit.js'

export type FailureKind = 'credentials' | 'security' | 'network' | 'other'

const KIND: Partial<Record<string, FailureKind>> = {
  [ErrorCode.AuthFailed]: 'credentials',
  [ErrorCode.CommitmentViolated]: 'security',
  [ErrorCode.GuardBypassed]: 'security',
  [ErrorCode.Pop3TlsUnavailable]: 'security',
  [ErrorCode.Connection]: 'network',
  [ErrorCode.Timeout]: 'network',
  [ErrorCode.Pop3Timeout]: 'network',
  [ErrorCode.Pop3Closed]: 'network',
}

export const SERVICE_LABEL: Readonly<Record<Service, string>> = {
  imap: 'IMAP',
  pop3: 'POP3',
  submission: 'SMTP submission',
}

/** A failure as `--json` prints it: no error object (server text is in `detail`, never the password). */
export type ExplainedFailure = {
  readonly service: Service
  readonly code: string
  readonly kind: FailureKind
  /** One plain sentence for the user. */
  readonly message: string
  /** What the client or server said, for the details view. */
  readonly detail: string
}

// Rejected credentials are MUASTS_ERR_AUTH_FAILED on all three protocols (issue #16 item 3). A POP3
// login that the server refused for another reason ([IN-USE], [LOGIN-DELAY], [SYS/…]: RFC 2449 §8.1,
// RFC 3206 §4) stays POP3_COMMAND_FAILED: the password may be right, so it is never worded as wrong.

/** Classifies and words one failed credential test. Pure. */
export function explainFailure(f: VerifyFailure): ExplainedFailure {
  const kind = KIND[f.code] ?? 'other'
  const name = SERVICE_LABEL[f.service]
  const message = {
    credentials: `The ${name} server rejected the user name or password. Check them and run setup again.`,
    security:
      `The ${name} server did not meet the security requirements of the proposal, so the password was ` +
      'not sent to it. Do not work around this: someone may be interfering with the connection.',
    network: `The ${name} server could not be reached or stopped answering during the login test.`,
    other: `The login test for ${name} failed.`,
  }[kind]
  return { service: f.service, code: f.code, kind, message, detail: f.message.replace(/\s+/g, ' ').trim() }
}

/** The exit code for a setup that pinned nothing: a security refusal outranks everything else. */
export function exitForFailures(failures: readonly ExplainedFailure[]): ExitCode {
  const kinds = new Set(failures.map((f) => f.kind))
  if (kinds.has('security')) return EXIT.refused
  if (kinds.has('credentials')) return EXIT.credentials
  if (kinds.has('network')) return EXIT.network
  return EXIT.refused
}
