// Readiness probe for a mail server port: connect (optionally with implicit TLS), read the first
// line and hang up without sending anything. A port that accepts is not yet a port that serves:
// Dovecot's login processes delay the greeting until the auth process answers, so the greeting is
// the signal that a test client will see normal protocol behaviour.
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type TLSSocket } from 'node:tls'

export type GreetingProbe =
  // fingerprint: SHA-256 (AA:BB:…) of the leaf the server presented; TLS probes only.
  { ok: true; greeting: string; fingerprint?: string } | { ok: false; reason: string }

const PROBE_TIMEOUT_MS = 2_000

/** A real greeting, not Dovecot's "Waiting for authentication process" (login-common AUTH_*_WAITING_MSG). */
function isServingGreeting(line: string): boolean {
  return /^(\* OK|\+OK|220[ -])/.test(line) && !line.includes('Waiting for authentication')
}

/**
 * Connects to 127.0.0.1:`port`, reads one line and closes. Does I/O; never throws. The TLS probe does
 * not verify the chain: it reports the fingerprint so the caller can check which leaf is served.
 */
export function probeGreeting(opts: {
  port: number
  tls: boolean
  servername: string
}): Promise<GreetingProbe> {
  return new Promise((resolve) => {
    let fingerprint: string | undefined
    let buffered = ''
    let settled = false
    const socket: Socket | TLSSocket = opts.tls
      ? connectTls({
          host: '127.0.0.1',
          port: opts.port,
          servername: opts.servername,
          rejectUnauthorized: false,
        })
      : connectTcp({ host: '127.0.0.1', port: opts.port })
    const finish = (result: GreetingProbe): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => finish({ ok: false, reason: 'no greeting in time' }), PROBE_TIMEOUT_MS)
    if (opts.tls) {
      socket.once('secureConnect', () => {
        fingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256
      })
    }
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      const end = buffered.indexOf('\n')
      if (end < 0) return
      const greeting = buffered.slice(0, end).replace(/\r$/, '')
      if (!isServingGreeting(greeting)) {
        finish({ ok: false, reason: `not serving yet: ${greeting}` })
      } else {
        finish(fingerprint === undefined ? { ok: true, greeting } : { ok: true, greeting, fingerprint })
      }
    })
    socket.once('error', (error: Error) => finish({ ok: false, reason: error.message }))
    socket.once('close', () => finish({ ok: false, reason: 'closed before greeting' }))
  })
}
