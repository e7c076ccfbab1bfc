// Why a probe did not end compliant, as stable snake_case codes (house style H12). A security refusal
// carries the core violation code (`starttls_not_offered`, `certificate_expired`, …); a connection
// or protocol problem carries one of the codes below. Wording lives in explainProbeFailure().
import { VIOLATION_CODES, type ViolationCode } from '@mua-sts/core'

/** Codes for probes that never reached a verdict, or were stopped on purpose. */
export const PROBE_ERROR_CODES = [
  'host_not_found',
  'connect_refused',
  'connect_failed',
  'connection_closed',
  'timeout',
  'protocol_error',
  'line_too_long',
  'service_unavailable',
  'aborted',
  'superseded',
  'internal',
] as const
export type ProbeErrorCode = (typeof PROBE_ERROR_CODES)[number]

/** A violation code (the candidate's own commitment was not met) or a probe error code. */
export type ProbeFailureCode = ViolationCode | ProbeErrorCode

/** Thrown inside one probe and turned into its result; never leaves probe(). */
export class ProbeFailure extends Error {
  readonly code: ProbeErrorCode
  constructor(code: ProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ProbeFailure'
    this.code = code
  }
}

// Setup-time wording: core's messages speak about an account that already has a commitment
// ("which it did before"); here nothing is committed yet, so the text says what the probe saw.
const MESSAGES: Readonly<Record<ProbeFailureCode, string>> = {
  host_not_found: 'The server name does not resolve.',
  connect_refused: 'Nothing accepts connections on this port.',
  connect_failed: 'The server could not be reached.',
  connection_closed: 'The server closed the connection.',
  timeout: 'The server did not answer in time.',
  protocol_error: 'The server sent something that is not valid for this protocol.',
  line_too_long: 'The server sent an over-long line.',
  service_unavailable: 'The server refused service in its greeting.',
  aborted: 'The probe was cancelled.',
  superseded: 'Not needed: a better server for this service already passed the checks.',
  internal: 'The probe failed unexpectedly (a bug in mua-sts).',
  starttls_not_offered: 'The server did not offer STARTTLS; the upgrade may have been stripped on the way.',
  starttls_refused: 'The server refused to start TLS.',
  preauth_before_tls: 'The server pre-authenticated the session before TLS (an attack signature).',
  bytes_after_starttls: 'Extra data followed the STARTTLS reply before TLS began (an injection signature).',
  untagged_before_tls: 'The server sent unexpected responses before TLS.',
  tls_not_established: 'No TLS session was established.',
  implicit_tls_downgraded: 'The server offered a weaker kind of TLS than expected.',
  endpoint_mismatch: 'The connection reached a different server or port.',
  tls_handshake_failed:
    'The TLS handshake failed (no common TLS 1.2+ version or cipher, or a broken server).',
  tls_version_below_floor: 'The server only offers a TLS version below 1.2.',
  cipher_too_weak: 'The server only offers weak encryption.',
  certificate_not_trusted: 'The certificate is not issued by a trusted authority.',
  certificate_expired: 'The certificate has expired.',
  certificate_host_mismatch: 'The certificate is not valid for this server name (RFC 7817).',
  spki_pin_mismatch: 'The server key does not match the pinned key.',
  dane_unsatisfied: 'The certificate does not match the DANE records.',
  store_corrupt: 'The commitment store failed its integrity check.',
  store_rollback: 'The commitment store was rolled back.',
  keychain_unavailable: 'The system keychain is unavailable.',
  stalled_before_tls: 'The server stopped answering before TLS began.',
}

/** One plain-language sentence for a probe failure code. Pure. */
export function explainProbeFailure(code: ProbeFailureCode): string {
  return MESSAGES[code]
}

const VIOLATIONS: ReadonlySet<string> = new Set(VIOLATION_CODES)

/** True when the code is a security refusal (a core violation), not a connection problem. */
export function isViolationCode(code: ProbeFailureCode): code is ViolationCode {
  return VIOLATIONS.has(code)
}
