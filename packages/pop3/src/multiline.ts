// Multi-line response body decoding (RFC 1939 §3). The server prefixes every body line that starts
// with "." with another "." and ends the body with ".CRLF" on a line of its own. We undo that
// byte by byte, so a body is never buffered whole, lines of any length stream through, and a
// terminator split across segments (".", "\r", "\n" in three reads) is still recognised.

// Where we are relative to the start of a line.
type State =
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
  #state: State = 'line-start'
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
  #next(b: number): State {
    if (b === 0x0d) return 'after-cr'
    if (b === 0x0a && this.#state === 'after-cr') return 'line-start'
    return 'in-line'
  }
}

/**
 * Dot-stuffs a body for transmission and appends the terminator (the server side of RFC 1939 §3).
 * Used by tests and the fake server; pure. A body that does not end in CRLF gets one, as servers do.
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
