// What went wrong before TLS was up, as data for the caller's policy observation.
// RFC 8314 §5.2 / DEEP -04 §3.1: a failed or stripped TLS upgrade ends the session; the caller decides
// what to record. Everything in here that came from the server is attacker-controlled (no TLS yet):
// keep it for reports, never show it to the user as trusted text.
import type { Evidence } from '@mua-sts/core'

/** Why the connection failed before TLS was established (snake_case, like core violation codes). */
export type Pop3PreTlsAnomalyCode =
  /** The pre-TLS CAPA did not list STLS (RFC 2595 §4): a stripping attack or a server without STLS. */
  | 'starttls_not_offered'
  /** The server answered STLS with -ERR. */
  | 'starttls_refused'
  /** Bytes followed the STLS +OK before the handshake: response injection (CERT VU#555316 class). */
  | 'bytes_after_starttls'
  /** The TLS handshake failed: untrusted certificate, wrong name, protocol version, reset. */
  | 'tls_handshake_failed'
  /** The cleartext server broke POP3 framing (bad status line, over-long line, negative greeting). */
  | 'protocol_error'
  /**
   * The cleartext server sent data no command asked for (a reply before its command was sent, bytes
   * after a complete reply), or more than the pre-TLS caps allow: an injection, refused at once.
   */
  | 'untagged_before_tls'
  /** A pre-TLS step (connect, greeting, CAPA, STLS, handshake) timed out. */
  | 'timeout'
  /** The server closed the cleartext connection before TLS was up. */
  | 'connection_closed'
  /** The TCP connection could not be opened at all (no server reached; not a security event). */
  | 'connection_failed'

export type Pop3PreTlsAnomaly = {
  readonly code: Pop3PreTlsAnomalyCode
  readonly transport: 'implicit-tls' | 'starttls'
  /** The step that failed. */
  readonly step: 'connect' | 'greeting' | 'CAPA' | 'STLS' | 'handshake'
  /** Raw pre-TLS CAPA lines (sanitized to printable ASCII); empty for implicit TLS or if never read. */
  readonly capsBeforeTls: readonly string[]
  /** Sanitized pre-TLS greeting text after `+OK`; undefined for implicit TLS or if never read. */
  readonly greetingBeforeTls: string | undefined
  /** Node/OpenSSL error code of a failed handshake, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  readonly tlsErrorCode: string | undefined
  /** Octets the server had sent on this connection when it failed (0: it never spoke). */
  readonly serverOctets: number
  /** The offending bytes of an injection as kind + size + SHA-256, never their content. */
  readonly evidence: readonly Evidence[]
}
