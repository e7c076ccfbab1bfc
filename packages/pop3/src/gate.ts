// The policy gate and its tripwire (house style H17).
// The caller's gate runs exactly once per connection, after TLS and the post-TLS CAPA and before any
// credential byte. Sockets whose gate resolved are remembered in a WeakSet; auth.ts refuses to write
// a credential command on any socket not in it, so a future code path that skips the gate fails
// closed instead of sending a password.
import { TLSSocket } from 'node:tls'
import { Pop3Error, Pop3ErrorCode } from './errors.js'

/** Everything the policy engine needs to decide whether this connection may carry credentials. */
export type Pop3GateContext = {
  /** The live TLS socket: inspect `getProtocol()`, `authorized`, `getPeerX509Certificate()`. */
  readonly socket: TLSSocket
  readonly transport: 'implicit-tls' | 'starttls'
  /** Raw pre-TLS CAPA lines (STARTTLS only). Attacker-controlled: for reports, never for policy upgrades. */
  readonly capsBeforeTls: readonly string[]
  /** CAPA lines read over TLS (RFC 2595 §4: pre-TLS capabilities are discarded and re-read). */
  readonly capsAfterTls: readonly string[]
  /** Raw text after `DEEP ` in the post-TLS CAPA (DEEP -04 §7.2), `''` for bare `DEEP`, else undefined. */
  readonly deepStatusAfterTls: string | undefined
  /** Sanitized pre-TLS greeting (STARTTLS only). Attacker-controlled; undefined for implicit TLS. */
  readonly greetingBeforeTls: string | undefined
}

/**
 * Decides whether credentials may be sent on this connection. Resolve to allow; throw (or reject)
 * to refuse: the client then destroys the socket without sending another byte and `connect()`
 * rejects with exactly the error the gate threw.
 */
export type Pop3Gate = (ctx: Pop3GateContext) => Promise<void>

const passed = new WeakSet<TLSSocket>()

/** Records that the gate resolved for this socket. Only connect.ts calls this, after the gate resolved. */
export function markGatePassed(socket: TLSSocket): void {
  passed.add(socket)
}

/**
 * The tripwire: throws unless `socket` is an encrypted, open TLS socket whose gate resolved.
 * Does no I/O.
 * @throws Pop3Error `MUASTS_ERR_POP3_GATE_NOT_PASSED`
 */
export function assertGatePassed(socket: unknown): asserts socket is TLSSocket {
  const ok = socket instanceof TLSSocket && socket.encrypted && !socket.destroyed && passed.has(socket)
  if (!ok) {
    throw new Pop3Error(
      Pop3ErrorCode.GateNotPassed,
      'POP3 refused to send credentials: this connection did not pass the TLS policy gate',
    )
  }
}
