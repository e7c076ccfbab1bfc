// The commands that carry a message: RETR (RFC 1939 §5) as a stream, dot-unstuffed on the fly and
// never buffered whole, and TOP (RFC 1939 §7) as a bounded buffer.
import { Readable } from 'node:stream'
import type { Session } from './connect.js'
import { commandFailed, Pop3Error, Pop3ErrorCode } from './errors.js'
import { readBodyBuffer, readStatus } from './wire.js'

/**
 * Sends `RETR id` and, once the server said `+OK`, returns a byte stream of the exact message
 * (CRLF line ends, stuffing dots removed, terminator stripped). Does I/O.
 *
 * The session is busy until the stream ends, errors or is destroyed; `release` is called then.
 * Destroying the stream early closes the connection (the rest of the body can no longer be skipped
 * safely), which also means no DELE of this session is applied.
 * The stream errors with Pop3Error TOO_LARGE once more than `maxBytes` decoded octets arrive (the
 * connection is torn down), or with TIMEOUT / CLOSED / PROTOCOL.
 * @throws Pop3Error COMMAND_FAILED (`-ERR`, e.g. no such message), PROTOCOL, TIMEOUT, CLOSED.
 */
export async function retr(s: Session, id: number, maxBytes: number, release: () => void): Promise<Readable> {
  let status: Awaited<ReturnType<typeof readStatus>>
  try {
    s.wire.send(`RETR ${id}`)
    status = await readStatus(s.wire, 'RETR', s.options.timeouts.commandMs)
    if (!status.ok) {
      s.wire.endResponse()
      throw commandFailed('RETR', status)
    }
  } catch (err) {
    release()
    throw err
  }

  let settled = false
  let size = 0
  const stream = new Readable({
    read: () => s.wire.resume(),
    destroy: (err, callback) => {
      if (!settled) s.wire.destroy()
      callback(err)
    },
  })
  const sink = (chunk: Buffer): boolean => {
    size += chunk.length
    if (size > maxBytes) {
      throw new Pop3Error(Pop3ErrorCode.TooLarge, `POP3 message ${id} exceeds ${maxBytes} octets`, {
        step: 'RETR',
      })
    }
    return stream.push(chunk)
  }
  s.wire
    .readBody(sink, { step: 'RETR', idleMs: s.options.timeouts.commandMs })
    .then(() => {
      settled = true
      s.wire.endResponse()
      stream.push(null)
    })
    .catch((err: unknown) => {
      settled = true
      stream.destroy(err instanceof Error ? err : new Error(String(err)))
    })
    .finally(release)
  return stream
}

/**
 * RFC 1939 §7 TOP: headers, the blank line, then `lines` body lines; dot-unstuffed, CRLFs kept.
 * Does I/O. @throws Pop3Error COMMAND_FAILED, TOO_LARGE (connection closed), PROTOCOL, TIMEOUT, CLOSED
 */
export async function top(s: Session, id: number, lines: number, maxBytes: number): Promise<Buffer> {
  s.wire.send(`TOP ${id} ${lines}`)
  const status = await readStatus(s.wire, 'TOP', s.options.timeouts.commandMs)
  if (!status.ok) {
    s.wire.endResponse()
    throw commandFailed('TOP', status)
  }
  const body = await readBodyBuffer(s.wire, { step: 'TOP', maxBytes, idleMs: s.options.timeouts.commandMs })
  s.wire.endResponse()
  return body
}
