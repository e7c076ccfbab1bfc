// Opening the connection: TCP first, then the TLS handshake with the guard's options only. The two
// steps are separate so that "nothing listens on that port" stays a connection error while anything
// that goes wrong inside TLS becomes an observation the guard evaluates and reports.

import type { LookupFunction } from 'node:net'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type TLSSocket } from 'node:tls'
import { ErrorCode, SdkError, safeToken } from '@mua-sts/core'
import type { ConnectDeadline, TlsParams } from '@mua-sts/transport'

const ignore = (): void => {}
// Per-step timers are only a backstop: the connect deadline fires first and destroys the socket.
const BACKSTOP_MS = 1_000

/** How to resolve the committed host: the app's `trust.lookup` if any, else the transport's cache. */
export type Resolver = { readonly lookup: LookupFunction; forget(host: string): void }

/**
 * TCP connection to the committed endpoint, attached to the connect deadline (which destroys it when it
 * fires). Does I/O. @throws SdkError _CONNECTION / _TIMEOUT
 */
export function openTcp(
  host: string,
  port: number,
  deadline: ConnectDeadline,
  dns: Resolver,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    deadline.enter('tcp')
    // noDelay: every SMTP command is one small write that waits for a reply; Nagle would only delay it.
    const socket = deadline.attach(connectTcp({ host, port, lookup: dns.lookup, noDelay: true }))
    const timeoutMs = deadline.remainingMs()
    const timer = setTimeout(() => {
      dns.forget(host)
      socket.destroy()
      reject(
        new SdkError(
          ErrorCode.Timeout,
          `Connecting to the SMTP server ${host}:${port} timed out after ${timeoutMs} ms. Check the network and try again.`,
        ),
      )
    }, timeoutMs + BACKSTOP_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', onError)
      // Readers attach their own handlers next; this one only keeps a stray error from crashing.
      socket.on('error', ignore)
      resolve(socket)
    })
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer)
      dns.forget(host)
      reject(
        new SdkError(
          ErrorCode.Connection,
          `Could not connect to the SMTP server ${host}:${port} (${safeToken(e.code, 'connect failed')}). Check the network and the server settings.`,
          { cause: e },
        ),
      )
    }
    socket.once('error', onError)
  })
}

export type HandshakeOutcome =
  | { readonly ok: true; readonly socket: TLSSocket }
  /** The handshake did not complete; `error` carries Node's/OpenSSL's code for observeHandshakeFailure. */
  | { readonly ok: false; readonly error: unknown }

/**
 * TLS client handshake over an open TCP socket, with exactly the guard's options (`params.options`:
 * minVersion, CA, rejectUnauthorized, RFC 7817 checkServerIdentity; never a `session`). Does I/O.
 * The TLS socket is attached to the connect deadline. On failure both sockets are destroyed.
 * @throws SdkError MUASTS_ERR_TIMEOUT
 */
export function handshake(
  plain: Socket,
  params: TlsParams,
  deadline: ConnectDeadline,
): Promise<HandshakeOutcome> {
  return new Promise((resolve, reject) => {
    deadline.enter('handshake')
    const timeoutMs = deadline.remainingMs()
    // Errors of the wrapped socket surface on the TLS socket; this keeps a stray one from crashing.
    plain.on('error', ignore)
    const socket = deadline.attach(connectTls({ ...params.options, socket: plain }))
    const settle = (outcome: HandshakeOutcome | SdkError): void => {
      clearTimeout(timer)
      socket.off('secureConnect', onSecure)
      socket.off('error', onError)
      if (outcome instanceof SdkError || !outcome.ok) {
        socket.on('error', ignore)
        socket.destroy()
        plain.destroy()
      }
      if (outcome instanceof SdkError) reject(outcome)
      else resolve(outcome)
    }
    const onSecure = (): void => {
      // nodemailer attaches its handlers when it takes the socket over; until then, do not crash.
      socket.on('error', ignore)
      settle({ ok: true, socket })
    }
    const onError = (error: unknown): void => settle({ ok: false, error })
    const timer = setTimeout(
      () => settle(new SdkError(ErrorCode.Timeout, `TLS handshake did not finish within ${timeoutMs} ms`)),
      timeoutMs + BACKSTOP_MS,
    )
    socket.once('secureConnect', onSecure)
    socket.once('error', onError)
  })
}
