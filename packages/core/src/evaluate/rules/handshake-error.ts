// Classifies a TLS handshake that never completed. Only OpenSSL's protocol-version failures count as a
// version violation; ERR_SSL_WRONG_VERSION_NUMBER means the peer did not speak TLS at all (for example
// plaintext on an implicit-TLS port) and is a plain handshake failure.
const VERSION_FAILURE_RE =
  /ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW/i

/** True if a handshake error code says the TLS versions could not be agreed. */
export function isVersionFailure(code: string | undefined): boolean {
  return code !== undefined && VERSION_FAILURE_RE.test(code)
}
