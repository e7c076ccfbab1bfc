// TLS handshake over a TCP socket we opened (implicit TLS right after connect, STLS after `+OK`).
// Options come only from the session configuration (the validated `tls` block, or the Guard's
// options for connectPop3); no `session` is ever passed, so every connection does a full handshake
// with certificate verification (resumption would skip checkServerIdentity).
import { isIP, type Socket } from 'node:net'
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls'
import { Pop3Error, Pop3ErrorCode } from './errors.js'
import type { ParsedConnectOptions } from './options.js'

const noop = (): void => {}

/** SNI / identity name: the explicit `servername`, else `host` unless it is an IP literal (RFC 6066 §3). */
export function servernameFor(o: ParsedConnectOptions): string | undefined {
  return o.tls.servername ?? (isIP(o.host) === 0 ? o.host : undefined)
}

/**
 * Runs the TLS client handshake over `socket` with `options` (does I/O). Resolves on `secureConnect`.
 * With `rejectUnauthorized: true` (the default) an untrusted chain or a name mismatch fails here.
 * @throws Pop3Error `MUASTS_ERR_POP3_TLS_UNAVAILABLE` (handshake failed; `cause` holds Node's error,
 *   whose `code` is e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) or `MUASTS_ERR_POP3_TIMEOUT`.
 *   The socket is destroyed on failure.
 */
export function upgradeToTls(
  socket: Socket,
  options: ConnectionOptions,
  handshakeMs: number,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Defence in depth: neither source ever sets `session`, and it must stay that way.
    const { session: _never, ...withoutSession } = options
    const tlsSocket = connect({ ...withoutSession, socket })
    // Until the Wire attaches its own handler a few microtasks later, an error must not crash the process.
    tlsSocket.on('error', noop)
    const settle = (err: Pop3Error | undefined): void => {
      clearTimeout(timer)
      tlsSocket.off('secureConnect', onSecure)
      tlsSocket.off('error', onError)
      if (err === undefined) {
        resolve(tlsSocket)
        return
      }
      tlsSocket.destroy()
      socket.destroy()
      reject(err)
    }
    const onSecure = (): void => settle(undefined)
    const onError = (cause: Error): void => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown'
      settle(
        new Pop3Error(Pop3ErrorCode.TlsUnavailable, `POP3 TLS handshake failed (${code})`, {
          cause,
          step: 'handshake',
        }),
      )
    }
    const timer = setTimeout(() => {
      settle(
        new Pop3Error(Pop3ErrorCode.Timeout, `POP3 TLS handshake timed out after ${handshakeMs} ms`, {
          step: 'handshake',
        }),
      )
    }, handshakeMs)
    tlsSocket.once('secureConnect', onSecure)
    tlsSocket.once('error', onError)
  })
}
