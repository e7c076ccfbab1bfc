// RETR (RFC 1939 §5) as a stream: the message is dot-unstuffed on the fly and never buffered whole.
import { Readable } from 'node:stream'
import type { Session } from './connect.js'
import { Pop3Error, Pop3ErrorCode } from './errors.js'
import { commandFailed, readStatus } from './exchange.js'

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
