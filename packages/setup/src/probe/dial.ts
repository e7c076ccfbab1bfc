// TCP connect and TLS handshake for one probe. The TLS options are exactly the guards' ones
// (createTlsParams from @mua-sts/transport on the candidate's provisional commitment), so a probe
// that passes here is a connection the guarded client will also accept. No session is ever reused:
// resumption would skip the identity check (integration notes §1.3).
import { type LookupFunction, connect as netConnect, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import type { TlsParams } from '@mua-sts/transport'
import { type ProbeErrorCode, ProbeFailure } from './failure.js'

/** The handshake did not complete; `cause` is Node's error, read by observeHandshakeFailure(). */
export class TlsHandshakeError extends Error {
  constructor(cause: unknown) {
    super(`TLS handshake failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'TlsHandshakeError'
  }
}

const ignore = (): void => {}

const CONNECT_CODES: Readonly<Record<string, ProbeErrorCode>> = {
  ENOTFOUND: 'host_not_found',
  EAI_AGAIN: 'host_not_found',
  EAI_NONAME: 'host_not_found',
  ECONNREFUSED: 'connect_refused',
}

function connectFailure(error: unknown): ProbeFailure {
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  const message = error instanceof Error ? error.message : String(error)
  return new ProbeFailure(CONNECT_CODES[code] ?? 'connect_failed', `connect failed: ${message}`, {
    cause: error,
  })
}

/**
 * Opens a TCP connection. Does I/O. Rejects with a ProbeFailure, or with the signal's reason when
 * it fires (the socket is destroyed either way).
 */
export function dialTcp(
  host: string,
  port: number,
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const socket = netConnect({ host, port, ...(lookup === undefined ? {} : { lookup }) })
    const onAbort = (): void => {
      socket.destroy()
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort)
      socket.off('error', onError)
      // The line reader attaches its own handler; until then an error must not crash the process.
      socket.on('error', ignore)
      resolve(socket)
    })
    const onError = (error: Error): void => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      reject(connectFailure(error))
    }
    socket.once('error', onError)
  })
}

/**
 * Runs the TLS client handshake over `socket` with the guard's options. Does I/O. Rejects with a
 * TlsHandshakeError, or the signal's reason; the sockets are destroyed on failure.
 */
export function handshake(socket: Socket, params: TlsParams, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      socket.destroy()
      reject(signal.reason)
      return
    }
    const tls = tlsConnect({ ...params.options, socket })
    const settle = (error: unknown): void => {
      signal.removeEventListener('abort', onAbort)
      tls.off('secureConnect', onSecure)
      tls.off('error', onError)
      if (error === undefined) {
        tls.on('error', ignore)
        resolve(tls)
        return
      }
      tls.destroy()
      socket.destroy()
      reject(error)
    }
    const onSecure = (): void => settle(undefined)
    const onError = (error: Error): void => settle(new TlsHandshakeError(error))
    const onAbort = (): void => settle(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    tls.once('secureConnect', onSecure)
    tls.once('error', onError)
  })
}
