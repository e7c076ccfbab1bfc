// Strict line framing for the probe dialogs. Every server line is bounded (a hostile peer cannot make
// us buffer without limit), every read ends with the probe's signal (deadline, early stop or the
// caller's abort), and the number of bytes received but not yet consumed is visible, because bytes
// waiting after a STARTTLS reply are an injection signature (RFC 3207 §4.2, RFC 2595 §3.1).
import type { Duplex } from 'node:stream'
import { ProbeFailure } from './failure.js'

/**
 * Longest accepted line, terminator included. SMTP reply lines are at most 512 octets (RFC 5321
 * §4.5.3.1.5) and POP3 lines 512 (RFC 2449 §4); IMAP CAPABILITY and ID lines are longer in practice.
 */
export const MAX_LINE_OCTETS = 8192

type Waiter = { resolve: (line: string) => void; reject: (error: unknown) => void }

/** Reads LF-terminated lines (a trailing CR is dropped) from one socket until release(). */
export class LineReader {
  readonly #socket: Duplex
  readonly #signal: AbortSignal
  readonly #max: number
  #buffer: Buffer = Buffer.alloc(0)
  readonly #lines: Array<{ readonly line: string; readonly octets: number }> = []
  #queuedOctets = 0
  #waiter: Waiter | undefined
  #failure: unknown
  #released = false

  constructor(socket: Duplex, signal: AbortSignal, maxOctets: number = MAX_LINE_OCTETS) {
    this.#socket = socket
    this.#signal = signal
    this.#max = maxOctets
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onError)
    signal.addEventListener('abort', this.#onAbort, { once: true })
    if (signal.aborted) this.#onAbort()
  }

  /** The next line, without its terminator. Rejects with a ProbeFailure (or the signal's reason). */
  next(): Promise<string> {
    const queued = this.#lines.shift()
    if (queued !== undefined) {
      this.#queuedOctets -= queued.octets
      return Promise.resolve(queued.line)
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#waiter !== undefined) return Promise.reject(new Error('LineReader: concurrent next()'))
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject }
    })
  }

  /** Bytes received and not yet handed out by next(): must be 0 when a TLS handshake starts. */
  get buffered(): number {
    return this.#buffer.length + this.#queuedOctets
  }

  /**
   * Stops reading so that a TLS layer can take the socket over. The socket is paused first: a flowing
   * stream without a 'data' listener would drop bytes, and dropped bytes would hide an injection.
   */
  release(): void {
    if (this.#released) return
    this.#released = true
    this.#socket.pause()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#socket.off('close', this.#onEnd)
    this.#socket.off('error', this.#onError)
    this.#signal.removeEventListener('abort', this.#onAbort)
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#failure !== undefined) return
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a)
      if (lf === -1) break
      if (lf + 1 > this.#max) {
        this.#fail(tooLong(this.#max))
        return
      }
      const end = lf > 0 && this.#buffer[lf - 1] === 0x0d ? lf - 1 : lf
      const line = this.#buffer.subarray(0, end).toString('latin1')
      this.#buffer = this.#buffer.subarray(lf + 1)
      this.#deliver(line, lf + 1)
    }
    if (this.#buffer.length >= this.#max) this.#fail(tooLong(this.#max))
  }

  #deliver(line: string, octets: number): void {
    const waiter = this.#waiter
    if (waiter !== undefined) {
      this.#waiter = undefined
      waiter.resolve(line)
      return
    }
    this.#lines.push({ line, octets })
    this.#queuedOctets += octets
  }

  readonly #onEnd = (): void =>
    this.#fail(new ProbeFailure('connection_closed', 'the server closed the connection'))
  readonly #onError = (error: Error): void =>
    this.#fail(new ProbeFailure('connection_closed', `connection error: ${error.message}`, { cause: error }))
  readonly #onAbort = (): void => this.#fail(this.#signal.reason)

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return
    this.#failure = error
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.reject(error)
  }
}

function tooLong(max: number): ProbeFailure {
  return new ProbeFailure('line_too_long', `the server sent a line longer than ${max} octets`)
}
