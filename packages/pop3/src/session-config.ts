// What one connection attempt runs with, whichever front door built it: Pop3Client.connect (from the
// caller's validated options and gate) or connectPop3 (endpoint, TLS options and gate all derived
// from the stored commitment by the Guard). The connect sequence reads only this.
import type { LookupFunction } from 'node:net'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { markPassed } from '@mua-sts/transport'
import type { Pop3Gate } from './gate.js'
import { nodeTlsOptions, type ParsedConnectOptions } from './options.js'
import { servernameFor } from './tls-upgrade.js'

export type SessionConfig = {
  /** `implicit-tls`: TLS from the first byte (RFC 8314 §3.3). `starttls`: STLS required (RFC 2595 §4). */
  readonly transport: 'implicit-tls' | 'starttls'
  /** The TCP destination. `lookup` only decides which address is dialled; TLS still checks the name. */
  readonly dial: {
    readonly host: string
    readonly port: number
    readonly lookup?: LookupFunction | undefined
  }
  /** Handed to tls.connect unchanged, plus the socket we opened. Never holds `session` (no resumption). */
  readonly tls: ConnectionOptions
  /**
   * Runs after TLS and the post-TLS CAPA, before any credential. It must leave the socket recorded in
   * the SDK-wide tripwire set (transport's `markPassed`) to allow; the connect sequence asserts that.
   */
  readonly gate: Pop3Gate
  readonly timeouts: ParsedConnectOptions['timeouts']
  readonly limits: ParsedConnectOptions['limits']
  /**
   * connectPop3 only: called synchronously on the completed handshake, before any POP3 byte is read
   * or written over TLS, with the cleartext capabilities for the record. Throws to refuse; the socket
   * is then destroyed and nothing more is sent (DEEP -04 §7.2: POP3 has no in-band report).
   */
  readonly onSecure?: ((socket: TLSSocket, capsBeforeTls: readonly string[]) => void) | undefined
}

/**
 * The configuration behind `Pop3Client.connect`: TLS options from the validated `tls` block, and the
 * caller's gate, after which the client itself records the socket as passed. Pure.
 */
export function configFromOptions(o: ParsedConnectOptions): SessionConfig {
  const gate = o.gate
  return {
    transport: o.transport,
    dial: { host: o.host, port: o.port },
    tls: nodeTlsOptions(o, servernameFor(o)),
    // `async` turns a synchronous throw from the caller's gate into a refusal, too.
    gate: async (ctx) => {
      await gate(ctx)
      markPassed(ctx.socket)
    },
    timeouts: o.timeouts,
    limits: o.limits,
  }
}
