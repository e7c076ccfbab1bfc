// One probe connection: the current socket (TCP, then TLS after an upgrade), its line reader, and
// the few writes a probe ever makes. Writes are whole lines; nothing is ever pipelined across the
// STARTTLS boundary (RFC 3207 §4.2, RFC 2595 §3.1).
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { TlsParams } from '@mua-sts/transport'
import { handshake } from './dial.js'
import { LineReader } from './line-reader.js'

export class Conn {
  #socket: Socket | TLSSocket
  #reader: LineReader
  readonly #signal: AbortSignal
  readonly #sockets: Array<Socket | TLSSocket> = []

  constructor(socket: Socket, signal: AbortSignal) {
    this.#socket = socket
    this.#signal = signal
    this.#sockets.push(socket)
    this.#reader = new LineReader(socket, signal)
  }

  get socket(): Socket | TLSSocket {
    return this.#socket
  }

  /** The next server line (see LineReader.next). */
  read(): Promise<string> {
    return this.#reader.next()
  }

  /** Bytes the server sent that no reply has consumed yet. */
  get buffered(): number {
    return this.#reader.buffered
  }

  /** Sends one command line (CRLF appended). */
  send(line: string): void {
    this.#socket.write(`${line}\r\n`, 'latin1')
  }

  /**
   * Hands the TCP socket to TLS with the guard's parameters and continues on the TLS socket.
   * The caller has already checked that `buffered` is 0. Rejects like handshake().
   */
  async upgrade(params: TlsParams): Promise<TLSSocket> {
    this.#reader.release()
    const tls = await handshake(this.#socket as Socket, params, this.#signal)
    this.#sockets.push(tls)
    this.#socket = tls
    this.#reader = new LineReader(tls, this.#signal)
    return tls
  }

  /**
   * Polite goodbye (LOGOUT / QUIT), then a half-close. The probe's result never waits for it; a
   * server that does not close in time is cut off.
   */
  goodbye(line: string, graceMs = 2000): void {
    const socket = this.#socket
    if (socket.destroyed) return
    socket.write(`${line}\r\n`, 'latin1')
    socket.end()
    const timer = setTimeout(() => this.destroy(), graceMs)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  }

  /** Closes every socket of this connection at once (cancellation, refusal). */
  destroy(): void {
    for (const s of this.#sockets) s.destroy()
  }
}
