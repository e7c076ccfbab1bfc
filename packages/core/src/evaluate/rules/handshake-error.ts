// Classifies a TLS handshake that never completed. Only OpenSSL's protocol-version failures count as a
// version violation; ERR_SSL_WRONG_VERSION_NUMBER means the peer did not speak TLS at all (for example
// plaintext on an implicit-TLS port) and is a plain handshake failure.
const VERSION_FAILURE_RE =
  /ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW/i

/** True if a handshake error code says the TLS versions could not be agreed. */
export function isVersionFailure(code: string | undefined): boolean {
  return code !== undefined && VERSION_FAILURE_RE.test(code)
}

// OpenSSL's verdict when the peer's first bytes are not a TLS record: the server answered the ClientHello
// in plaintext (or with garbage). Honest blame (issue #13): the server did not speak TLS; that is a
// failed handshake, never the STARTTLS injection class (bytes_after_starttls).
const NOT_TLS_RE = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LENGTH_MISMATCH/i

/** True if a handshake error code says the peer did not answer with TLS at all. */
export function isNotTls(code: string | undefined): boolean {
  return code !== undefined && NOT_TLS_RE.test(code)
}
