// Human explanations per violation code, kept apart from the data so a CLI, a wizard UI or a
// localisation can differ (house style H12). Wording follows DEEP -04 §5.4: warn, never offer to connect
// anyway. Honest blame (issue #13): only a code that is an attack signature says so; a failure a broken
// server or network can cause just as well says what happened, and "may" where interference is possible.
import type { ViolationCode } from '../evaluate/violation.js'

export const VIOLATION_MESSAGES: Readonly<Record<ViolationCode, string>> = {
  starttls_not_offered:
    'The server did not offer encryption (STARTTLS), which this account requires. Someone may be removing it from the connection, or the server changed.',
  starttls_refused:
    'The server refused to start encryption. Someone may be interfering with the connection, or the server is misconfigured.',
  preauth_before_tls:
    'The server tried to start the session before encryption (PREAUTH), which would skip encryption altogether.',
  bytes_after_starttls:
    'Unencrypted data arrived after the server agreed to start encryption and before encryption began; injecting data there is a known attack pattern.',
  untagged_before_tls:
    'The server sent unexpected messages before encryption was set up. They were not used or shown.',
  tls_not_established: 'The connection is not encrypted.',
  implicit_tls_downgraded:
    'This account uses a directly encrypted connection, but the server offered a weaker kind.',
  endpoint_mismatch: 'The connection went to a different server or port than the one configured.',
  tls_handshake_failed:
    'Encryption could not be set up with the server: it did not complete a TLS handshake (for example, it did not speak TLS on this port).',
  tls_version_below_floor: 'The server offered an outdated encryption version.',
  cipher_too_weak: 'The server offered weak encryption.',
  certificate_not_trusted: 'The server’s certificate is not from a trusted authority.',
  certificate_expired: 'The server’s certificate has expired.',
  certificate_host_mismatch: 'The server’s certificate is for a different server name.',
  spki_pin_mismatch: 'The server presented a different key than the one this account is pinned to.',
  dane_unsatisfied:
    'The server was not authenticated by the DANE (TLSA) records this account requires: they do not match, could not be validated, or are gone. If the provider stopped publishing DANE, only the forget ceremony removes the requirement.',
  store_corrupt: 'The saved security settings for this account failed an integrity check.',
  store_rollback: 'The saved security settings for this account were replaced by an older copy.',
  keychain_unavailable: 'The system keychain is locked or unavailable.',
  stalled_before_tls:
    'The server stopped answering before encryption was set up. A slow or broken server can cause this, and so can someone blocking encryption; nothing was sent.',
}

/** The one-line explanation for a violation code. */
export function explainViolation(code: ViolationCode): string {
  return VIOLATION_MESSAGES[code]
}
