// One POP3 byte stream (cleartext or TLS) with strict request/response discipline.
// - One command in flight: `send` refuses while a reply is pending. The only exception is
//   `sendPipelined`, one write of several commands whose replies are then read in order; auth.ts uses it
//   for USER+PASS when the post-TLS CAPA lists PIPELINING (RFC 2449 §6.6).
// - Bytes that arrive while nothing is pending, or that trail the last pending reply, are a protocol
//   error: a desynchronised or injected stream is torn down, never parsed as the next reply.
// - Every read has a deadline; any failure destroys the socket, and later calls fail with CLOSED.
// The helpers at the end (readStatus, readBodyBuffer, simpleCommand) are the request/response shapes
// every command is built from.
import type { Socket } from 'node:net'
import type { SdkError } from '@mua-sts/core'
import {
  closedAfter,
  commandFailed,
  Pop3Error,
  Pop3ErrorCode,
  type Pop3Step,
  UnsolicitedData,
} from './errors.js'
import { MultilineDecoder, parseStatusLine, STATUS_LINE_MAX, type StatusLine, takeLine } from './framing.js'

const EMPTY = Buffer.alloc(0)
const noop = (): void => {}

/** Receives decoded body bytes; returning false asks the wire to pause the socket (backpressure). */
export type BodySink = (chunk: Buffer) => boolean

export type BodyReadOptions = {
  readonly step: Pop3Step
  /** Fails if no byte arrives for this long (not counted while paused by the sink). */
  readonly idleMs: number
  /** Optional deadline for the whole body. */
  readonly totalMs?: number
}

export class Wire {
  readonly socket: Socket
  #buf: Buffer
  // Replies the server still owes us: 0 or 1, except after sendPipelined.
  #pending: number
  #failure: SdkError | undefined
  #wake: (() => void) | undefined
  #paused = false
  #attached = true
  #closedByUs = false
  // end() was called before any failure. The failure later reads see is then built on first use
  // (#failureNow): an Error captures a stack trace, which every QUIT would otherwise pay for nothing
  // (issue #17, the per-connection cost of a small RETR).
  #ended = false

  /** Attaches to `socket`. Does no I/O itself. `expectingReply` is true when the server speaks first (a greeting). */
  constructor(socket: Socket, expectingReply: boolean) {
    this.socket = socket
    this.#pending = expectingReply ? 1 : 0
    this.#buf = EMPTY
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onError)
  }

  /** The first failure on this wire, if any. */
  get failure(): SdkError | undefined {
    return this.#failureNow()
  }

  /** Whether the wire already failed or was ended by us: later failures are then ignored. */
  get #done(): boolean {
    return this.#failure !== undefined || this.#ended
  }

  #failureNow(): SdkError | undefined {
    if (this.#failure === undefined && this.#ended) this.#failure = closedAfter(undefined)
    return this.#failure
  }

  #onData = (chunk: Buffer): void => {
    if (this.#done) return
    if (this.#pending === 0) {
      this.fail(new UnsolicitedData('POP3 server sent data while no command was pending', chunk))
      return
    }
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    this.#notify()
  }

  // 'end' and 'close' both arrive after every session, including one we ended: no error is built
  // for a wire that is already done (fail() would only wake a pending read).
  #onEnd = (): void => {
    if (this.#done) this.#notify()
    else this.fail(new Pop3Error(Pop3ErrorCode.Closed, 'POP3 server closed the connection'))
  }

  #onError = (err: Error): void => {
    if (this.#done) {
      this.#notify()
      return
    }
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown'
    this.fail(new Pop3Error(Pop3ErrorCode.Closed, `POP3 connection error (${code})`, { cause: err }))
  }

  /**
   * Records the first failure, destroys the socket, and wakes a pending read, which rejects with `err`
   * (a Pop3Error, or the caller's MUASTS_ERR_ABORTED). Idempotent.
   */
  fail(err: SdkError): void {
    if (!this.#done) {
      this.#failure = err
      if (this.#attached) this.socket.destroy()
    }
    this.#notify()
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #nextEvent(): Promise<void> {
    const failure = this.#failureNow()
    if (failure !== undefined) return Promise.reject(failure)
    return new Promise((resolve) => {
      this.#wake = resolve
    })
  }

  /** Runs a parse step; a thrown Pop3Error tears the connection down before propagating. */
  check<T>(step: () => T): T {
    try {
      return step()
    } catch (err) {
      if (err instanceof Pop3Error) this.fail(err)
      throw err
    }
  }

  #deadline(ms: number, step: Pop3Step, what: string): NodeJS.Timeout {
    return setTimeout(() => {
      this.fail(new Pop3Error(Pop3ErrorCode.Timeout, `POP3 ${what} timed out after ${ms} ms`, { step }))
    }, ms)
  }

  /**
   * Writes one command line plus CRLF and marks a reply as pending. Never logs the line.
   * @throws Pop3Error `MUASTS_ERR_POP3_CLOSED` if the wire already failed.
   */
  send(line: string): void {
    this.sendPipelined([line])
  }

  /**
   * Writes several command lines in one write and marks one reply pending for each; read them in
   * order, calling `endResponse` after each. Only for servers whose authenticated CAPA lists
   * PIPELINING (RFC 2449 §6.6). Never logs the lines.
   * @throws Pop3Error `MUASTS_ERR_POP3_CLOSED` if the wire already failed.
   */
  sendPipelined(lines: readonly [string, ...string[]]): void {
    if (this.#closedByUs || !this.#attached) throw closedAfter(undefined)
    if (this.#failure !== undefined) throw closedAfter(this.#failure)
    if (this.#pending > 0)
      throw new Error('@mua-sts/pop3 internal error: command sent while a reply is pending')
    this.#pending = lines.length
    this.socket.write(`${lines.join('\r\n')}\r\n`)
  }

  /**
   * Reads one CRLF-terminated line of at most `maxOctets` (CRLF included) within `timeoutMs`.
   * Data received before a close is still delivered. Does I/O (waits on the socket).
   * @throws Pop3Error PROTOCOL (line too long), TIMEOUT, CLOSED.
   */
  async readLine(maxOctets: number, timeoutMs: number, step: Pop3Step): Promise<Buffer> {
    const timer = this.#deadline(timeoutMs, step, step === 'greeting' ? 'greeting' : `${step} reply`)
    try {
      for (;;) {
        const taken = this.check(() => takeLine(this.#buf, maxOctets))
        if (taken !== undefined) {
          this.#buf = taken.rest
          return taken.line
        }
        await this.#nextEvent()
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Streams a dot-stuffed multi-line body (RFC 1939 §3) into `sink` until the terminating `.CRLF`.
   * The sink may throw a Pop3Error (e.g. size limit); that tears the connection down.
   * @throws Pop3Error TIMEOUT, CLOSED, or whatever the sink throws.
   */
  async readBody(sink: BodySink, opts: BodyReadOptions): Promise<void> {
    const decoder = new MultilineDecoder()
    const total =
      opts.totalMs === undefined ? undefined : this.#deadline(opts.totalMs, opts.step, `${opts.step} reply`)
    let idle: NodeJS.Timeout | undefined
    try {
      for (;;) {
        if (this.#buf.length > 0) {
          const result = decoder.push(this.#buf)
          this.#buf = result.rest
          const more = result.data.length === 0 || this.check(() => sink(result.data))
          if (result.done) return
          if (!more) this.#pause()
          continue
        }
        clearTimeout(idle)
        idle = this.#paused ? undefined : this.#deadline(opts.idleMs, opts.step, `${opts.step} body (idle)`)
        await this.#nextEvent()
      }
    } finally {
      clearTimeout(idle)
      clearTimeout(total)
    }
  }

  #pause(): void {
    this.#paused = true
    this.socket.pause()
  }

  /** Resumes a socket paused by a body sink's backpressure. No-op otherwise. */
  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.socket.resume()
    this.#notify()
  }

  /**
   * Marks the oldest pending reply complete. RFC 1939 has one reply per command, so once no reply is
   * pending any byte already buffered is a protocol error (desync or injection). While a pipelined
   * reply is still owed, buffered bytes are the start of that reply.
   * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL`
   */
  endResponse(): void {
    if (this.#pending > 0) this.#pending -= 1
    if (this.#pending === 0 && this.#buf.length > 0) {
      this.fail(new UnsolicitedData('POP3 server sent data beyond the end of a reply', this.#buf))
      throw this.#failureNow()
    }
  }

  /**
   * Detaches from the cleartext socket so TLS can take it over (RFC 2595 §4). Pauses the socket and
   * returns every byte received after the last consumed line: the buffered remainder plus anything
   * queued inside the socket. The caller must treat a non-empty result as an attack.
   * Synchronous on purpose: no I/O callback can run between reading `+OK` and this call.
   */
  releaseForTls(): Buffer {
    this.socket.pause()
    this.socket.off('data', this.#onData)
    this.socket.off('end', this.#onEnd)
    this.socket.off('close', this.#onEnd)
    this.socket.off('error', this.#onError)
    // The TLS socket reports errors from now on; this keeps a late raw-socket error from crashing.
    this.socket.on('error', noop)
    this.#attached = false
    this.#pending = 0
    const leftover = this.#buf
    this.#buf = EMPTY
    const queued: Buffer | null = this.socket.readableLength > 0 ? this.socket.read() : null
    return queued === null ? leftover : Buffer.concat([leftover, queued])
  }

  /**
   * Ends the stream gracefully: TLS close_notify, then FIN (DEEP -04 §4.4). A pending read rejects
   * with CLOSED and later bytes from the server are ignored. The socket is destroyed after `graceMs`
   * if the server has not closed its side by then.
   */
  end(graceMs = 2_000): void {
    this.#closedByUs = true
    this.#pending = 0
    this.#ended = true
    this.#notify()
    this.socket.end()
    setTimeout(() => this.socket.destroy(), graceMs).unref()
  }

  /** Tears the connection down immediately without sending anything more. */
  destroy(): void {
    this.#closedByUs = true
    this.fail(closedAfter(undefined))
    this.socket.destroy()
  }
}

/**
 * Reads and parses one status line (RFC 1939 §3, at most 512 octets per RFC 2449 §4). Does I/O.
 * @throws Pop3Error PROTOCOL, TIMEOUT, CLOSED; the wire is torn down on any of them.
 */
export async function readStatus(wire: Wire, step: Pop3Step, timeoutMs: number): Promise<StatusLine> {
  const line = await wire.readLine(STATUS_LINE_MAX, timeoutMs, step)
  return wire.check(() => parseStatusLine(line))
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
