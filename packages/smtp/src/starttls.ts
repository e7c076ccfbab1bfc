// The cleartext half of a STARTTLS submission session (RFC 3207), run by the SDK itself rather than by
// nodemailer: nodemailer's requireTLS sends STARTTLS even when it is not offered, and it silently
// discards bytes injected after the 220 (integration notes §2.1). Everything read here is
// attacker-controlled; it decides only "greeting positive? STARTTLS offered? STARTTLS accepted? nothing
// after the 220?" and is otherwise kept as report data. The only commands sent are EHLO and STARTTLS,
// one at a time, never pipelined (RFC 3207 §4.2, CERT VU#555316).
import type { Socket } from 'node:net'
import { type Anomaly, ErrorCode, type Evidence, SdkError } from '@mua-sts/core'
import { type ConnectDeadline, evidenceOf } from '@mua-sts/transport'
import { ehloCapabilities, offersStartTls } from './ehlo.js'
import { PreTlsOverflow, ReplyReader } from './reply-reader.js'

export type StartTlsOutcome =
  /** The socket may be handed to the TLS handshake: the reader is released, no byte is buffered. */
  | { readonly ok: true; readonly capsBeforeTls: readonly string[] }
  /** Fail closed: the caller reports `anomaly` and destroys the socket without sending anything else. */
  | {
      readonly ok: false
      readonly anomaly: Anomaly
      readonly capsBeforeTls: readonly string[]
      /** The offending bytes as kind + size + hash (never their content). */
      readonly evidence: readonly Evidence[]
    }

/** What the cleartext phase saw, kept up to date as it runs so a failure can still be reported. */
export type PreTlsProgress = {
  capsBeforeTls: readonly string[]
}

// Generous per-read backstop; the connect deadline fires first and destroys the socket.
const BACKSTOP_MS = 1_000

/**
 * Greeting → EHLO → STARTTLS over `socket`. Does I/O. Returns `ok: false` for the attack signatures
 * the commitment forbids; throws for ordinary failures (closed connection, a negative greeting). Every
 * read is bounded by `deadline` (which destroys the socket when it fires) and by the pre-TLS caps.
 * @throws SdkError MUASTS_ERR_TIMEOUT / _CONNECTION / _PROTOCOL
 */
export async function negotiateStartTls(
  socket: Socket,
  ehloName: string,
  deadline: ConnectDeadline,
  progress: PreTlsProgress,
): Promise<StartTlsOutcome> {
  const reader = new ReplyReader(socket)
  const read = (step: string) => reader.read(deadline.remainingMs() + BACKSTOP_MS, step)
  // RFC 5321 §4.3.1 / RFC 2920 §3: a server only ever answers a command it received. Bytes already
  // here when we are about to send the next command answer nothing we sent: an injected or
  // reordered reply, refused at once instead of being read as the next reply.
  const unsolicited = (): StartTlsOutcome | undefined =>
    reader.pendingOctets() === 0
      ? undefined
      : {
          ok: false,
          anomaly: 'untagged_before_tls',
          capsBeforeTls: progress.capsBeforeTls,
          evidence: [evidenceOf('REPLY', reader.pending())],
        }
  try {
    deadline.enter('greeting')
    const greeting = await read('the greeting')
    if (greeting.code !== 220) {
      // Pre-TLS text is attacker-controlled: only the code, never the words (a phishing vector).
      throw new SdkError(
        ErrorCode.Protocol,
        `The SMTP server refused the session at its greeting (${greeting.code}, not 220); no credentials were sent. Try again later.`,
      )
    }
    const early = unsolicited()
    if (early !== undefined) return early
    deadline.enter('capabilities')
    socket.write(`EHLO ${ehloName}\r\n`)
    const ehlo = await read('EHLO')
    // No HELO fallback: HELO cannot negotiate STARTTLS, so a refused EHLO strips TLS just as well.
    const caps = ehloCapabilities(ehlo) ?? []
    progress.capsBeforeTls = caps
    if (!offersStartTls(caps)) {
      // Refuse without sending STARTTLS: the commitment requires it and the server did not offer it.
      return { ok: false, anomaly: 'starttls_not_offered', capsBeforeTls: caps, evidence: [] }
    }
    const reordered = unsolicited()
    if (reordered !== undefined) return reordered
    deadline.enter('starttls')
    socket.write('STARTTLS\r\n')
    const reply = await read('STARTTLS')
    // RFC 3207 §4: "220 Ready to start TLS" is the only positive reply (454 / 501 are refusals).
    if (reply.code !== 220)
      return { ok: false, anomaly: 'starttls_refused', capsBeforeTls: caps, evidence: [] }
    // No await between reading the 220 and releasing the socket, so no data callback can run in
    // between. Bytes already here were sent before the server could have seen our ClientHello: they
    // are injected cleartext. Never parse them, never hand them to TLS (RFC 3207 §6).
    reader.release()
    // The reader consumes the socket in flowing mode and every chunk reaches it in its own I/O callback,
    // so nothing the server sent so far is left in the socket's own buffer: it is all in pending().
    // (A chunk arriving later would be read by TLS as a record and fail the handshake, never parsed.)
    const after = reader.pending()
    if (after.length > 0) {
      return {
        ok: false,
        anomaly: 'bytes_after_starttls',
        capsBeforeTls: caps,
        evidence: [evidenceOf('bytes', after)],
      }
    }
    return { ok: true, capsBeforeTls: caps }
  } catch (error) {
    if (error instanceof PreTlsOverflow) {
      return {
        ok: false,
        anomaly: 'untagged_before_tls',
        capsBeforeTls: progress.capsBeforeTls,
        evidence: [evidenceOf('overflow', error.received)],
      }
    }
    throw error
  } finally {
    reader.release()
  }
}
