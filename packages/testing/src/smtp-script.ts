// The fake SMTP server's script vocabulary and the records it keeps (see smtp-server.ts).
import type { SecureVersion } from 'node:tls'
import type { Phase } from './phase.js'

export type FakeSmtpScript = {
  /** 'implicit-tls': TLS from the first byte (RFC 8314); 'starttls': cleartext until STARTTLS (RFC 3207). */
  readonly mode: 'implicit-tls' | 'starttls'
  readonly leaf: { readonly key: string; readonly cert: string }
  readonly tls?: { minVersion?: SecureVersion; maxVersion?: SecureVersion; ciphers?: string }
  readonly greeting?: string
  /** EHLO extension lines in cleartext, or 'refuse' to answer EHLO with 502. */
  readonly ehloBeforeTls?: readonly string[] | 'refuse'
  /** EHLO extension lines over TLS (e.g. 'DEEP tls12 tls-cert', 'MSTS tls-version=1.2'). */
  readonly ehloAfterTls?: readonly string[]
  readonly starttlsReply?: string
  /** Bytes written in the same write as the STARTTLS reply (the response-injection attack). */
  readonly injectAfterStarttls?: string
  /**
   * Instead of upgrading after "220", answer the client's first TLS record (its ClientHello) with these
   * cleartext bytes: injection that arrives only after the client started the handshake.
   */
  readonly injectAfterClientHello?: string
  readonly clientReply?: string
  /** Close the connection right after the TLS handshake, before any greeting (implicit TLS). */
  readonly closeAfterHandshake?: boolean
  /** Accepted logins; every login is accepted when omitted. */
  readonly credentials?: { readonly user: string; readonly pass?: string; readonly accessToken?: string }
}

export type WireChunk = { readonly conn: number; readonly phase: Phase; readonly bytes: Buffer }
export type ClientCommand = {
  readonly conn: number
  readonly phase: Phase
  readonly line: string
  readonly verb: string
}
export type Delivered = {
  readonly conn: number
  readonly from: string
  readonly to: string[]
  readonly data: Buffer
}
export type ConnectionRecord = {
  readonly id: number
  tlsProtocol?: string | undefined
  tlsError?: string | undefined
  closed: boolean
}
