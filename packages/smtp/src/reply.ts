// SMTP reply framing and parsing (RFC 5321 §4.2): Reply-line = *( Reply-code "-" [ text ] CRLF )
// Reply-code [ SP text ] CRLF, every line of one reply carrying the same code (§4.2.1). Used for the
// cleartext half of STARTTLS, where every byte is attacker-controlled, so framing is strict and
// bounded: a malformed or oversized reply ends the session instead of being guessed at. Pure.
import { ErrorCode, SdkError } from '@mua-sts/core'

export type Reply = {
  readonly code: number
  /** Text of each line after "NNN-" / "NNN " (may be empty). */
  readonly lines: readonly string[]
}

export type ReplyLimits = {
  /** RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; we accept more, but not without bound. */
  readonly maxLineOctets: number
  readonly maxLines: number
}
export const REPLY_LIMITS: ReplyLimits = { maxLineOctets: 2048, maxLines: 256 }

export type TakenReply = { readonly reply: Reply; readonly rest: Buffer }

const CRLF = Buffer.from('\r\n')
// RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39.
const LINE_RE = /^([2-5][0-5][0-9])(?:([- ])(.*))?$/s
// Controls other than HT would be smuggled into reports and logs; 8-bit text is tolerated (latin1).
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f]/

function protocolError(message: string): SdkError {
  return new SdkError(ErrorCode.Protocol, `SMTP server sent a malformed reply: ${message}`)
}

/**
 * One reply line without its CRLF → code, continuation flag and text. Throws on a malformed line;
 * with `strict` (cleartext replies) also on control characters in the text.
 */
export function parseReplyLine(line: string, strict = true): { code: number; more: boolean; text: string } {
  const m = LINE_RE.exec(line)
  if (m === null) throw protocolError('a line does not start with a reply code')
  const text = m[3] ?? ''
  if (strict && CONTROL_RE.test(text)) throw protocolError('control characters in reply text')
  return { code: Number(m[1]), more: m[2] === '-', text }
}

/**
 * Takes the first complete reply from `buf`. Returns undefined when more bytes are needed.
 * @throws SdkError MUASTS_ERR_PROTOCOL on a malformed, mixed-code or oversized reply.
 */
export function takeReply(buf: Buffer, limits: ReplyLimits = REPLY_LIMITS): TakenReply | undefined {
  const lines: string[] = []
  let code: number | undefined
  let pos = 0
  for (;;) {
    const end = buf.indexOf(CRLF, pos)
    if (end === -1) {
      if (buf.length - pos > limits.maxLineOctets) throw protocolError('reply line too long')
      return undefined
    }
    if (end + 2 - pos > limits.maxLineOctets) throw protocolError('reply line too long')
    const parsed = parseReplyLine(buf.toString('latin1', pos, end))
    if (code !== undefined && parsed.code !== code) throw protocolError('reply lines carry different codes')
    code = parsed.code
    lines.push(parsed.text)
    pos = end + 2
    if (!parsed.more) return { reply: { code, lines }, rest: buf.subarray(pos) }
    if (lines.length >= limits.maxLines) throw protocolError('reply has too many lines')
  }
}

/**
 * Parses a reply that a TLS session already framed, e.g. nodemailer's `lastServerResponse` (lines
 * joined with LF). The server is authenticated here, so odd text is tolerated and left to the value
 * parsers (a DEEP status with control characters is ignored there, DEEP -04 §5.3).
 * @throws SdkError MUASTS_ERR_PROTOCOL when the lines are not one well-formed reply.
 */
export function parseReplyText(text: string, limits: ReplyLimits = REPLY_LIMITS): Reply {
  const raw = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  if (raw.length > limits.maxLines) throw protocolError('reply has too many lines')
  const lines: string[] = []
  let code: number | undefined
  raw.forEach((line, i) => {
    const parsed = parseReplyLine(line, false)
    if (code !== undefined && parsed.code !== code) throw protocolError('reply lines carry different codes')
    if (parsed.more === (i === raw.length - 1)) throw protocolError('not a single complete reply')
    code = parsed.code
    lines.push(parsed.text)
  })
  if (code === undefined) throw protocolError('empty reply')
  return { code, lines }
}

/** Printable one-line summary of a reply for error messages and logs (never used for decisions). */
export function describeReply(reply: Reply): string {
  const first = (reply.lines[0] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 160)
  return `${reply.code} ${first}`.trimEnd()
}
