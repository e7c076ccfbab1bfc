// The policy gate and its tripwire (house style H17).
// The gate runs exactly once per connection, after TLS and the post-TLS CAPA and before any credential
// byte. Passed sockets are recorded in @mua-sts/transport's tripwire set (the same one the IMAP and SMTP
// guards use); auth.ts refuses to write a credential command on any socket not in it.
import { TLSSocket } from 'node:tls'
import { assertPassed } from '@mua-sts/transport'
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
 * rejects with exactly the error the gate threw. With `Pop3Client.connect` the client records a
 * resolved gate in the tripwire set itself; connectPop3's gate is the Guard, which records it.
 */
export type Pop3Gate = (ctx: Pop3GateContext) => Promise<void>

/**
 * The tripwire, called right before every credential-bearing line: throws unless `socket` is an
 * encrypted, open TLS socket that passed the SDK-wide check (transport's `markPassed`, set by the
 * Guard in connectPop3, or after the caller's gate resolved in Pop3Client.connect). One mechanism for
 * the whole SDK, so a future code path that skips the check fails closed instead of sending a password.
 * Does no I/O.
 * @throws SdkError `MUASTS_ERR_GUARD_BYPASSED`
 */
export function assertGatePassed(socket: unknown, where: string): asserts socket is TLSSocket {
  const open = socket instanceof TLSSocket && socket.encrypted && !socket.destroyed
  if (!open) {
    throw new Pop3Error(
      Pop3ErrorCode.GuardBypassed,
      `Refusing to authenticate: ${where} reached auth on a connection that is not an open TLS session.`,
    )
  }
  assertPassed(socket, where)
}
