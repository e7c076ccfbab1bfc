// Status lines (RFC 1939 §3) and SASL continuations (RFC 5034 §4). Pure parsers.
// Error messages here never quote the line: before TLS it is attacker-controlled.
import { Pop3Error, Pop3ErrorCode } from './errors.js'

export type StatusLine = {
  /** `+OK` (true) or `-ERR` (false). */
  readonly ok: boolean
  /** Raw octets after the status indicator and its separating space (possibly empty). */
  readonly text: Buffer
}

export type SaslLine =
  | { readonly kind: 'continue'; readonly challenge: string }
  | { readonly kind: 'status'; readonly status: StatusLine }

const OK = Buffer.from('+OK')
const ERR = Buffer.from('-ERR')

function protocolError(what: string): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server sent ${what}`)
}

// NUL, CR and LF have no business inside a status line; the framer has already removed the CRLF.
function assertNoLineBreaks(line: Buffer): void {
  if (line.includes(0x00) || line.includes(0x0d) || line.includes(0x0a)) {
    throw protocolError('a status line containing NUL, CR or LF')
  }
}

function indicatorEnds(line: Buffer, length: number): boolean {
  return line.length === length || line[length] === 0x20
}

/**
 * Parses one status line (without CRLF). RFC 1939 §3: it starts with `+OK` or `-ERR`, upper case,
 * followed by end of line or a space. Anything else is a protocol error.
 * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL`
 */
export function parseStatusLine(line: Buffer): StatusLine {
  assertNoLineBreaks(line)
  if (line.subarray(0, 3).equals(OK) && indicatorEnds(line, 3)) {
    return { ok: true, text: line.subarray(4) }
  }
  if (line.subarray(0, 4).equals(ERR) && indicatorEnds(line, 4)) {
    return { ok: false, text: line.subarray(5) }
  }
  throw protocolError('a status line that is neither +OK nor -ERR')
}

/**
 * Parses a line received during an AUTH exchange: either a status line or a `+` continuation
 * carrying a base64 challenge (RFC 5034 §4; `+` alone or `+ ` mean an empty challenge).
 * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL`
 */
export function parseSaslLine(line: Buffer): SaslLine {
  assertNoLineBreaks(line)
  const isContinuation = line[0] === 0x2b && (line.length === 1 || line[1] === 0x20)
  if (!isContinuation) return { kind: 'status', status: parseStatusLine(line) }
  const challenge = line.subarray(2).toString('latin1')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(challenge)) throw protocolError('a SASL challenge that is not base64')
  return { kind: 'continue', challenge }
}

/**
 * Extracts an RFC 2449 §8 extended response code (`-ERR [SYS/TEMP] ...` → `SYS/TEMP`), or undefined.
 * Only printable ASCII codes of at most 64 octets are accepted. Pure.
 */
export function responseCodeOf(text: Buffer): string | undefined {
  const m = /^\[([\x21-\x2e\x30-\x5c\x5e-\x7e]+(?:\/[\x21-\x2e\x30-\x5c\x5e-\x7e]+)*)\]/.exec(
    text.toString('latin1'),
  )
  const code = m?.[1]
  return code !== undefined && code.length <= 64 ? code : undefined
}
