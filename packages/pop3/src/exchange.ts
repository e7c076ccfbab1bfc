// Request/response building blocks shared by the connect sequence and the commands.
import { parseCapaLines } from './capa.js'
import { Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
import { CAPA_LINE_MAX, CAPA_RESPONSE_MAX, STATUS_LINE_MAX } from './limits.js'
import { splitLines } from './line-reader.js'
import { parseStatusLine, responseCodeOf, type StatusLine } from './response.js'
import { redactSecrets, sanitizeServerText } from './server-text.js'
import type { Wire } from './wire.js'

/**
 * Reads and parses one status line (RFC 1939 §3, at most 512 octets per RFC 2449 §4). Does I/O.
 * @throws Pop3Error PROTOCOL, TIMEOUT, CLOSED; the wire is torn down on any of them.
 */
export async function readStatus(wire: Wire, step: Pop3Step, timeoutMs: number): Promise<StatusLine> {
  const line = await wire.readLine(STATUS_LINE_MAX, timeoutMs, step)
  return wire.check(() => parseStatusLine(line))
}

/**
 * Builds the error for a `-ERR` reply received over TLS. The text is sanitized and `secrets` (the
 * credentials of an AUTH exchange) are redacted before sanitizing, in case the server echoes them.
 * Never call this for a pre-TLS reply: that text is attacker-controlled and must not be surfaced.
 */
export function commandFailed(
  step: Pop3Step,
  status: StatusLine,
  secrets: readonly string[] = [],
): Pop3Error {
  const serverText = sanitizeServerText(redactSecrets(status.text.toString('utf8'), secrets))
  const responseCode = responseCodeOf(status.text)
  const shown = serverText.length > 0 ? `: ${serverText}` : ''
  return new Pop3Error(Pop3ErrorCode.CommandFailed, `POP3 ${step} failed${shown}`, {
    step,
    serverText,
    ...(responseCode === undefined ? {} : { responseCode }),
  })
}

/**
 * Sends a single-line command and returns its `+OK` reply. Does I/O.
 * @throws Pop3Error COMMAND_FAILED on `-ERR` (the connection stays usable), PROTOCOL, TIMEOUT, CLOSED.
 */
export async function simpleCommand(
  wire: Wire,
  line: string,
  step: Pop3Step,
  timeoutMs: number,
): Promise<StatusLine> {
  wire.send(line)
  const status = await readStatus(wire, step, timeoutMs)
  wire.endResponse()
  if (!status.ok) throw commandFailed(step, status)
  return status
}

export type BufferedBodyOptions = {
  readonly step: Pop3Step
  readonly maxBytes: number
  readonly idleMs: number
  readonly totalMs?: number
}

/**
 * Reads a whole multi-line body into memory, up to `maxBytes` decoded octets. Does I/O.
 * @throws Pop3Error TOO_LARGE (connection torn down: the rest of the body is never read), TIMEOUT, CLOSED.
 */
export async function readBodyBuffer(wire: Wire, o: BufferedBodyOptions): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  await wire.readBody(
    (chunk) => {
      size += chunk.length
      if (size > o.maxBytes) {
        throw new Pop3Error(Pop3ErrorCode.TooLarge, `POP3 ${o.step} reply exceeds ${o.maxBytes} octets`, {
          step: o.step,
        })
      }
      chunks.push(chunk)
      return true
    },
    { step: o.step, idleMs: o.idleMs, ...(o.totalMs === undefined ? {} : { totalMs: o.totalMs }) },
  )
  return Buffer.concat(chunks)
}

/**
 * Issues `CAPA` (RFC 2449 §5) and returns the validated capability lines, or `undefined` if the server
 * answered `-ERR` (no CAPA support). The whole exchange shares one deadline. Does I/O.
 * @throws Pop3Error PROTOCOL (malformed or over-long line), TOO_LARGE (over 16 KiB), TIMEOUT, CLOSED.
 */
export async function requestCapa(wire: Wire, timeoutMs: number): Promise<string[] | undefined> {
  const deadline = Date.now() + timeoutMs
  wire.send('CAPA')
  const status = await readStatus(wire, 'CAPA', timeoutMs)
  if (!status.ok) {
    wire.endResponse()
    return undefined
  }
  const left = Math.max(1, deadline - Date.now())
  const payload = await readBodyBuffer(wire, {
    step: 'CAPA',
    maxBytes: CAPA_RESPONSE_MAX,
    idleMs: left,
    totalMs: left,
  })
  wire.endResponse()
  return wire.check(() => parseCapaLines(splitLines(payload, CAPA_LINE_MAX)))
}
