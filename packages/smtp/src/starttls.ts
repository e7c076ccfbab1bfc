// The cleartext half of a STARTTLS submission session (RFC 3207), run by the SDK itself rather than by
// nodemailer: nodemailer's requireTLS sends STARTTLS even when it is not offered, and it silently
// discards bytes injected after the 220 (integration notes §2.1). Everything read here is
// attacker-controlled; it decides only "greeting positive? STARTTLS offered? STARTTLS accepted? nothing
// after the 220?" and is otherwise kept as report data. The only commands sent are EHLO and STARTTLS,
// one at a time, never pipelined (RFC 3207 §4.2, CERT VU#555316).
import type { Socket } from 'node:net'
import { type Anomaly, ErrorCode, SdkError } from '@mua-sts/core'
import { ehloCapabilities, offersStartTls } from './ehlo.js'
import { ReplyReader } from './reply-reader.js'

export type StartTlsOutcome =
  /** The socket may be handed to the TLS handshake: the reader is released, no byte is buffered. */
  | { readonly ok: true; readonly capsBeforeTls: readonly string[] }
  /** Fail closed: the caller reports `anomaly` and destroys the socket without sending anything else. */
  | { readonly ok: false; readonly anomaly: Anomaly; readonly capsBeforeTls: readonly string[] }

/**
 * Greeting → EHLO → STARTTLS over `socket`. Does I/O. Returns `ok: false` for the attack signatures
 * the commitment forbids; throws for ordinary failures (timeouts, closed connection, a negative greeting).
 * @throws SdkError MUASTS_ERR_TIMEOUT / _CONNECTION / _PROTOCOL
 */
export async function negotiateStartTls(
  socket: Socket,
  ehloName: string,
  timeoutMs: number,
): Promise<StartTlsOutcome> {
  const reader = new ReplyReader(socket)
  try {
    const greeting = await reader.read(timeoutMs, 'the greeting')
    if (greeting.code !== 220) {
      // Pre-TLS text is attacker-controlled: only the code, never the words (a phishing vector).
      throw new SdkError(ErrorCode.Protocol, `SMTP greeting was not 220 (got ${greeting.code})`)
    }
    socket.write(`EHLO ${ehloName}\r\n`)
    const ehlo = await reader.read(timeoutMs, 'EHLO')
    // No HELO fallback: HELO cannot negotiate STARTTLS, so a refused EHLO strips TLS just as well.
    const caps = ehloCapabilities(ehlo) ?? []
    if (!offersStartTls(caps)) {
      // Refuse without sending STARTTLS: the commitment requires it and the server did not offer it.
      return { ok: false, anomaly: 'starttls_not_offered', capsBeforeTls: caps }
    }
    socket.write('STARTTLS\r\n')
    const reply = await reader.read(timeoutMs, 'STARTTLS')
    // RFC 3207 §4: "220 Ready to start TLS" is the only positive reply (454 / 501 are refusals).
    if (reply.code !== 220) return { ok: false, anomaly: 'starttls_refused', capsBeforeTls: caps }
    // No await between reading the 220 and releasing the socket, so no data callback can run in
    // between. Bytes already here were sent before the server could have seen our ClientHello: they
    // are injected cleartext. Never parse them, never hand them to TLS (RFC 3207 §6).
    reader.release()
    if (reader.pendingOctets() > 0 || socket.readableLength > 0) {
      return { ok: false, anomaly: 'bytes_after_starttls', capsBeforeTls: caps }
    }
    return { ok: true, capsBeforeTls: caps }
  } finally {
    reader.release()
  }
}
