// CRLF line framing over an arbitrary byte stream (RFC 1939 §3: every response line ends in CRLF).
// Pure: the caller owns the buffer, so a reply split across any TCP segment boundary, including
// between CR and LF, frames identically to one delivered whole.
import { Pop3Error, Pop3ErrorCode } from './errors.js'

const CRLF = Buffer.from('\r\n')

export type TakenLine = {
  /** The line without its CRLF. May contain bare CR or LF octets (the caller decides if that is legal). */
  readonly line: Buffer
  /** Bytes after the CRLF, not yet consumed. */
  readonly rest: Buffer
}

/**
 * Takes the first CRLF-terminated line from `buf`.
 * Returns `undefined` when more bytes are needed. Throws `MUASTS_ERR_POP3_PROTOCOL` as soon as
 * the line can no longer fit in `maxOctets` (CRLF included), so a hostile peer cannot make us buffer
 * an unbounded line. Does no I/O.
 */
export function takeLine(buf: Buffer, maxOctets: number): TakenLine | undefined {
  const at = buf.indexOf(CRLF)
  if (at !== -1) {
    if (at + 2 > maxOctets) throw lineTooLong(maxOctets)
    return { line: buf.subarray(0, at), rest: buf.subarray(at + 2) }
  }
  // Shortest possible completion: one more LF if we end in CR, else CR LF.
  const minimal = buf.length + (buf.length > 0 && buf[buf.length - 1] === 0x0d ? 1 : 2)
  if (minimal > maxOctets) throw lineTooLong(maxOctets)
  return undefined
}

function lineTooLong(maxOctets: number): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server sent a line longer than ${maxOctets} octets`)
}

/**
 * Splits a fully received, dot-unstuffed multi-line payload into lines, enforcing `maxLineOctets`
 * (CRLF included) and rejecting bare CR or LF inside a line. Does no I/O.
 * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL` on an over-long line, a bare CR/LF, or a missing final CRLF.
 */
export function splitLines(payload: Buffer, maxLineOctets: number): Buffer[] {
  const lines: Buffer[] = []
  let rest = payload
  while (rest.length > 0) {
    const taken = takeLine(rest, maxLineOctets)
    if (taken === undefined) {
      throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 multi-line response has a line without CRLF')
    }
    if (taken.line.includes(0x0d) || taken.line.includes(0x0a)) {
      throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 multi-line response has a bare CR or LF')
    }
    lines.push(taken.line)
    rest = taken.rest
  }
  return lines
}
