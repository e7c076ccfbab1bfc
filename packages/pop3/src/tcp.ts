// Opening the TCP connection. Both transports start here, so the TLS handshake always runs over a
// socket we opened ourselves and the connect and handshake deadlines stay separate.
import { connect, type LookupFunction, type Socket } from 'node:net'
import { Pop3Error, Pop3ErrorCode } from './errors.js'

const noop = (): void => {}

/**
 * Opens a TCP connection to `host:port` (does I/O: DNS lookup and connect). `lookup` replaces the
 * system resolver when given (a test resolver, an app's DNS-over-HTTPS): it only picks the address.
 * @throws Pop3Error `MUASTS_ERR_POP3_CLOSED` (connection refused, unreachable, DNS failure) or
 *   `MUASTS_ERR_POP3_TIMEOUT` after `timeoutMs`; the socket is destroyed in both cases.
 */
export function openTcp(
  host: string,
  port: number,
  timeoutMs: number,
  lookup?: LookupFunction,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true, ...(lookup === undefined ? {} : { lookup }) })
    socket.on('error', noop) // the Wire or the TLS layer reports errors once attached; never crash
    const settle = (err: Pop3Error | undefined): void => {
      clearTimeout(timer)
      socket.off('error', onError)
      socket.off('connect', onConnect)
      if (err === undefined) {
        resolve(socket)
      } else {
        socket.destroy()
        reject(err)
      }
    }
    const onConnect = (): void => settle(undefined)
    const onError = (cause: Error): void => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown'
      settle(
        new Pop3Error(Pop3ErrorCode.Closed, `POP3 could not connect to ${host}:${port} (${code})`, {
          cause,
          step: 'connect',
        }),
      )
    }
    const timer = setTimeout(() => {
      settle(
        new Pop3Error(
          Pop3ErrorCode.Timeout,
          `POP3 connect to ${host}:${port} timed out after ${timeoutMs} ms`,
          { step: 'connect' },
        ),
      )
    }, timeoutMs)
    socket.once('connect', onConnect)
    socket.once('error', onError)
  })
}
