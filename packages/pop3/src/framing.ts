// What a POP3 server's bytes mean, without a socket: CRLF lines (RFC 1939 §3), status lines, SASL
// continuations (RFC 5034 §4), dot-stuffed multi-line bodies, and CAPA lines (RFC 2449). Pure: the
// caller owns every buffer, so a reply split across any TCP segment boundary (even between CR and LF)
// parses exactly like one delivered whole. Error messages never quote a line: before TLS it is the
// attacker's. wire.ts applies these to a live socket.
import { Pop3Error, Pop3ErrorCode } from './errors.js'

/**
 * Longest first line of any response, including the greeting and SASL `+` continuations, in octets
 * including CRLF. RFC 2449 §4: "The maximum length of the first line of a command response
 * (including the initial greeting) is unchanged at 512 octets (including the terminating CRLF)."
 * We enforce the RFC value exactly: a longer line is a protocol error, never buffered further.
 */
export const STATUS_LINE_MAX = 512
/** Longest CAPA capability line incl. CRLF: RFC 2449 §9 grammar, `capability = ... ; 512 octets maximum`. */
export const CAPA_LINE_MAX = 512
/** Whole CAPA response (decoded). Real servers send < 1 KiB; 16 KiB bounds a hostile pre-TLS server. */
export const CAPA_RESPONSE_MAX = 16 * 1024
/**
 * Longest LIST/UIDL listing line incl. CRLF. RFC 1939 §7 caps a unique-id at 70 octets and a scan
 * listing is two numbers, so the RFC 2449 §4 first-line limit is generous for these too.
 */
export const LISTING_LINE_MAX = 512
/** Longest command line we send, incl. CRLF. RFC 2449 §4: commands may be up to 255 octets. */
export const COMMAND_LINE_MAX = 255
/**
 * RFC 5034 §4: if `AUTH mech initial-response` would exceed 255 octets the client MUST NOT send the
 * initial response and waits for the server's `+` instead.
 */
export const AUTH_INITIAL_RESPONSE_LINE_MAX = 255

function protocolError(what: string): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server sent ${what}`)
}

// ─── Lines ──────────────────────────────────────────────────────────────────────────────────────

const CRLF = Buffer.from('\r\n')

export type TakenLine = {
  /** The line without its CRLF. May contain bare CR or LF octets (the caller decides if that is legal). */
  readonly line: Buffer
  /** Bytes after the CRLF, not yet consumed. */
  readonly rest: Buffer
}

/**
 * Takes the first CRLF-terminated line from `buf`. Returns `undefined` when more bytes are needed.
 * Throws `MUASTS_ERR_POP3_PROTOCOL` as soon as the line can no longer fit in `maxOctets` (CRLF
 * included), so a hostile peer cannot make us buffer an unbounded line. Does no I/O.
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
  return protocolError(`a line longer than ${maxOctets} octets`)
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

// ─── Status lines and SASL continuations ────────────────────────────────────────────────────────

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

// ─── Multi-line bodies ──────────────────────────────────────────────────────────────────────────
// RFC 1939 §3: the server prefixes every body line that starts with "." with another "." and ends
// the body with ".CRLF" on a line of its own. We undo that byte by byte, so a body is never buffered
// whole, lines of any length stream through, and a terminator split across segments (".", "\r",
// "\n" in three reads) is still recognised.

// Where we are relative to the start of a line.
type BodyState =
  | 'line-start' // previous octets were CRLF (or nothing yet)
  | 'in-line'
  | 'after-cr' // previous octet was CR inside a line
  | 'after-dot' // line started with "." that we have withheld
  | 'after-dot-cr' // line started with ".CR"; LF next would end the response

export type DecodeResult = {
  /** Unstuffed body bytes decoded from this chunk (may be empty). */
  readonly data: Buffer
  /** True once the terminating ".CRLF" line has been consumed. */
  readonly done: boolean
  /** Bytes after the terminator (only when `done`); the caller decides whether they are legal. */
  readonly rest: Buffer
}

const EMPTY = Buffer.alloc(0)

/**
 * Incremental dot-unstuffing decoder for one multi-line response body. Feed it the bytes that
 * follow the status line's CRLF. Pure and synchronous; never throws.
 * The decoded body keeps its CRLFs exactly; only stuffing dots and the terminator are removed.
 */
export class MultilineDecoder {
  #state: BodyState = 'line-start'
  #done = false

  get done(): boolean {
    return this.#done
  }

  push(chunk: Buffer): DecodeResult {
    if (this.#done) return { data: EMPTY, done: true, rest: chunk }
    // Output never exceeds input plus one withheld CR from a previous chunk.
    const out = Buffer.allocUnsafe(chunk.length + 1)
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      switch (this.#state) {
        case 'line-start':
          if (b === 0x2e) {
            this.#state = 'after-dot'
            continue
          }
          break
        case 'after-dot':
          // RFC 1939 §3: a leading "." not followed by CRLF is a stuffing dot; drop it.
          if (b === 0x0d) {
            this.#state = 'after-dot-cr'
            continue
          }
          break
        case 'after-dot-cr':
          if (b === 0x0a) {
            this.#done = true
            return { data: out.subarray(0, n), done: true, rest: chunk.subarray(i + 1) }
          }
          // ".CR" + something else: the dot was stuffing, the CR is body data.
          out[n++] = 0x0d
          this.#state = 'after-cr'
          break
        default:
          break
      }
      out[n++] = b
      this.#state = this.#next(b)
    }
    return { data: out.subarray(0, n), done: false, rest: EMPTY }
  }

  // State after emitting body octet `b`.
  #next(b: number): BodyState {
    if (b === 0x0d) return 'after-cr'
    if (b === 0x0a && this.#state === 'after-cr') return 'line-start'
    return 'in-line'
  }
}

/**
 * Dot-stuffs a body for transmission and appends the terminator (the server side of RFC 1939 §3).
 * Used by tests as the decoder's inverse; pure. A body that does not end in CRLF gets one, as servers do.
 */
export function dotStuff(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let lineStart = 0
  for (let i = 0; i <= body.length; i++) {
    const atEnd = i === body.length
    if (atEnd || (body[i] === 0x0a && i > 0 && body[i - 1] === 0x0d)) {
      const line = body.subarray(lineStart, atEnd ? i : i + 1)
      if (line.length > 0 && line[0] === 0x2e) parts.push(Buffer.from('.'))
      parts.push(line)
      lineStart = i + 1
    }
  }
  const needsCrlf =
    body.length > 0 && !(body.length >= 2 && body[body.length - 2] === 0x0d && body.at(-1) === 0x0a)
  if (needsCrlf) parts.push(Buffer.from('\r\n'))
  parts.push(Buffer.from('.\r\n'))
  return Buffer.concat(parts)
}

// ─── CAPA lines (RFC 2449 §5, §9) ───────────────────────────────────────────────────────────────

// RFC 2449 §9: capability = capa-tag *(SP param); capa-tag = 1*cchar (printable ASCII except ".");
// param = 1*pchar (printable ASCII). We accept runs of spaces between params (seen in the wild)
// but nothing outside 0x20-0x7E, so a capability line can never carry control characters.
const CAPABILITY_LINE = /^[\x21-\x2d\x2f-\x7e][\x21-\x7e]*(?: +[\x21-\x7e]+)* *$/

/**
 * Validates decoded CAPA lines and returns them as strings, in server order.
 * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL` if any line violates the RFC 2449 grammar.
 */
export function parseCapaLines(lines: readonly Buffer[]): string[] {
  return lines.map((raw) => {
    const line = raw.toString('latin1')
    if (!CAPABILITY_LINE.test(line)) {
      throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 server sent a malformed CAPA line')
    }
    return line
  })
}

function tagOf(line: string): string {
  const sp = line.indexOf(' ')
  return (sp === -1 ? line : line.slice(0, sp)).toUpperCase()
}

/**
 * True if a capability with this tag is listed. Tags are ABNF string literals in RFC 2449 and RFC 2595,
 * and ABNF literals are case-insensitive (RFC 5234 §2.3), so `stls` counts as `STLS`.
 */
export function hasCapability(caps: readonly string[], tag: string): boolean {
  const wanted = tag.toUpperCase()
  return caps.some((line) => tagOf(line) === wanted)
}

/**
 * The raw text after `DEEP ` in the first `DEEP` capability line (DEEP -04 §7.2), `''` for a bare
 * `DEEP`, or undefined when absent. Not interpreted here: the policy engine parses deep-status.
 */
export function deepStatusOf(caps: readonly string[]): string | undefined {
  const line = caps.find((l) => tagOf(l) === 'DEEP')
  if (line === undefined) return undefined
  const sp = line.indexOf(' ')
  return sp === -1 ? '' : line.slice(sp + 1)
}

/** Upper-cased SASL mechanisms from the `SASL` capability (RFC 2449 §6.3), empty when absent. */
export function saslMechanismsOf(caps: readonly string[]): string[] {
  const line = caps.find((l) => tagOf(l) === 'SASL')
  if (line === undefined) return []
  return line
    .split(' ')
    .slice(1)
    .filter((m) => m.length > 0)
    .map((m) => m.toUpperCase())
}
