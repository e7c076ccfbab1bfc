// Reads SMTP replies from the cleartext socket of a STARTTLS session. It keeps every received byte
// it has not handed out yet, so the caller can see whether anything followed "220 Ready to start TLS"
// (the response-injection attack class, CERT VU#555316), and it stops reading on release() so that
// nothing is consumed from the socket the TLS handshake takes over.
import type { Socket } from 'node:net'
import { ErrorCode, SdkError, safeToken } from '@mua-sts/core'
import { PRE_TLS_LIMITS } from '@mua-sts/transport'
import { type Reply, takeReply } from './reply.js'

/**
 * The server sent more before TLS than any real greeting, EHLO and STARTTLS reply need (the pre-TLS
 * caps shared by all three protocols): a flood or an endless trickle of lines, refused as
 * `untagged_before_tls` instead of being read on. `received` is everything read, for evidence only.
 */
export class PreTlsOverflow extends SdkError {
  readonly received: Buffer
  constructor(received: Buffer) {
    super(ErrorCode.Protocol, 'SMTP server sent more before TLS than the pre-TLS limits allow')
    this.received = received
  }
}

type Waiter = { resolve: (r: Reply) => void; reject: (e: Error) => void }

export class ReplyReader {
  readonly #socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  #waiter: Waiter | undefined
  #failure: Error | undefined
  /** Every byte received, kept only up to the cap (it is the overflow's evidence). */
  readonly #received: Buffer[] = []
  #receivedBytes = 0
  #lines = 0
  readonly #onData = (chunk: Buffer): void => {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    this.#received.push(chunk)
    this.#receivedBytes += chunk.length
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) this.#lines++
    if (this.#receivedBytes > PRE_TLS_LIMITS.maxBytes || this.#lines > PRE_TLS_LIMITS.maxLines) {
      this.#fail(new PreTlsOverflow(Buffer.concat(this.#received)))
      return
    }
    // A reply can only complete with a line end: parsing only then keeps a reply trickled in tiny
    // segments linear instead of quadratic.
    if (chunk.includes(0x0a)) this.#pump()
  }
  readonly #onEnd = (): void =>
    this.#fail(new SdkError(ErrorCode.Connection, 'The SMTP server closed the connection. Try again later.'))
  readonly #onError = (e: Error): void =>
    this.#fail(
      new SdkError(
        ErrorCode.Connection,
        `The SMTP connection failed (${safeToken((e as NodeJS.ErrnoException).code, 'socket error')}). Check the network and try again.`,
        { cause: e },
      ),
    )

  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onError)
  }

  /** Resolves with the next complete reply. Does I/O (waits for the server). @throws SdkError. */
  read(timeoutMs: number, step: string): Promise<Reply> {
    if (this.#waiter !== undefined) throw new SdkError(ErrorCode.Internal, 'concurrent SMTP reads')
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined
        reject(new SdkError(ErrorCode.Timeout, `SMTP server did not answer ${step} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiter = {
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      this.#pump()
    })
  }

  /** Octets received but not part of any reply handed out so far. */
  pendingOctets(): number {
    return this.#buf.length
  }

  /** Those octets themselves (for evidence: hashed, never parsed). */
  pending(): Buffer {
    return this.#buf
  }

  /** Stops reading: removes our listeners and pauses the socket, leaving unread bytes in the kernel. */
  release(): void {
    this.#socket.pause()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#socket.off('close', this.#onEnd)
    this.#socket.off('error', this.#onError)
  }

  #pump(): void {
    const w = this.#waiter
    if (w === undefined) return
    if (this.#failure !== undefined) {
      this.#waiter = undefined
      w.reject(this.#failure)
      return
    }
    let taken: ReturnType<typeof takeReply>
    try {
      taken = takeReply(this.#buf)
    } catch (e) {
      this.#fail(e as Error)
      return
    }
    if (taken === undefined) return
    this.#buf = taken.rest
    this.#waiter = undefined
    w.resolve(taken.reply)
  }

  #fail(e: Error): void {
    this.#failure ??= e
    this.#pump()
  }
}
