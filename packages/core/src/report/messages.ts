// Human explanations per violation code, kept apart from the data so a CLI, a wizard UI or a
// localisation can differ (house style H12). Wording follows DEEP -04 §5.4: warn, never offer to connect anyway.
import type { ViolationCode } from '../evaluate/violation.js'

export const VIOLATION_MESSAGES: Readonly<Record<ViolationCode, string>> = {
  starttls_not_offered:
    'The server did not offer encryption (STARTTLS), which it did before. Someone may be interfering with the connection.',
  starttls_refused: 'The server refused to start encryption. Someone may be interfering with the connection.',
  preauth_before_tls: 'The server tried to skip encryption by pre-authenticating the session.',
  bytes_after_starttls:
    'Unexpected data arrived while encryption was being set up; this is a known attack pattern.',
  untagged_before_tls: 'The server sent unexpected messages before encryption was set up.',
  tls_not_established: 'The connection is not encrypted.',
  implicit_tls_downgraded:
    'This account uses a directly encrypted connection, but the server offered a weaker kind.',
  endpoint_mismatch: 'The connection went to a different server or port than the one configured.',
  tls_handshake_failed: 'Encryption could not be set up with the server.',
  tls_version_below_floor: 'The server offered an outdated encryption version.',
  cipher_too_weak: 'The server offered weak encryption.',
  certificate_not_trusted: 'The server’s certificate is not from a trusted authority.',
  certificate_expired: 'The server’s certificate has expired.',
  certificate_host_mismatch: 'The server’s certificate is for a different server name.',
  spki_pin_mismatch: 'The server presented a different key than the one this account is pinned to.',
  dane_unsatisfied: 'The server’s certificate does not match its DANE records.',
  store_corrupt: 'The saved security settings for this account failed an integrity check.',
  store_rollback: 'The saved security settings for this account were replaced by an older copy.',
  keychain_unavailable: 'The system keychain is locked or unavailable.',
}

/** The one-line explanation for a violation code. */
export function explainViolation(code: ViolationCode): string {
  return VIOLATION_MESSAGES[code]
}
