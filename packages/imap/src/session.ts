// One guarded IMAP connection's decision state, shared by the transport (which sees the sockets) and
// connectImap (which sees imapflow). The first terminal failure wins and is what the app receives.
import type { TLSSocket } from 'node:tls'
import type { Anomaly, Commitment, ObservedTransport, SdkError } from '@mua-sts/core'
import {
  type CheckResult,
  type Guard,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
} from '@mua-sts/transport'
import { advertisementFromServerInfo } from './advertisement.js'
import { PreTlsScanner } from './pre-tls-scanner.js'

type Advertisement = SessionFacts['advertisement']

export class ImapSession {
  readonly guard: Guard
  readonly commitment: Commitment
  /** This connection's TLS options and the identity record its handshake fills in. */
  readonly params: TlsParams
  /** Sees every cleartext byte of a STARTTLS session (unused for implicit TLS). */
  readonly scanner = new PreTlsScanner()
  /** Bound on the in-band latch-failure exchange. */
  readonly inBandTimeoutMs: number
  #failure: SdkError | undefined
  #passed: TLSSocket | undefined

  constructor(guard: Guard, commitment: Commitment, inBandTimeoutMs: number) {
    this.guard = guard
    this.commitment = commitment
    this.params = guard.tlsParams(commitment)
    this.inBandTimeoutMs = inBandTimeoutMs
  }

  /** The first terminal failure of this connection, if any. */
  get failure(): SdkError | undefined {
    return this.#failure
  }

  /** The TLS socket the guard passed (and marked for the tripwire), once it did. */
  get passedSocket(): TLSSocket | undefined {
    return this.#passed
  }

  fail(error: SdkError): void {
    this.#failure ??= error
  }

  #facts(transport: ObservedTransport, anomalies: readonly Anomaly[] = []): SessionFacts {
    return {
      service: 'imap',
      endpoint: { host: this.commitment.endpoint.host, port: this.commitment.endpoint.port },
      transport,
      capsBeforeTls: this.scanner.capsBeforeTls,
      anomalies,
    }
  }

  /** Refuses on what the cleartext phase showed; the report is dispatched before this returns. */
  refusePreTls(anomalies: readonly Anomaly[], transport: ObservedTransport = 'plaintext'): void {
    if (this.#failure !== undefined) return
    const r = this.guard.check(this.commitment, observePreTls(this.#facts(transport, anomalies)), undefined)
    if (!r.ok) this.fail(r.error)
  }

  /** Checks a completed handshake. On success the socket is marked as passed (tripwire). */
  checkSecure(socket: TLSSocket, transport: 'implicit-tls' | 'starttls'): CheckResult {
    const r = this.guard.check(
      this.commitment,
      observeSecureSocket(socket, this.params, this.#facts(transport)),
      socket,
    )
    if (r.ok) this.#passed = socket
    else this.fail(r.error)
    return r
  }

  /** Reports a handshake that did not complete (untrusted chain, wrong name, version, garbage…). */
  handshakeFailed(
    error: unknown,
    transport: 'implicit-tls' | 'starttls',
    anomalies: readonly Anomaly[],
  ): void {
    if (this.#failure !== undefined) return
    const o = observeHandshakeFailure(error, this.params, this.#facts(transport, anomalies))
    const r = this.guard.check(this.commitment, o, undefined)
    if (!r.ok) this.fail(r.error)
  }

  /**
   * Learns from what the server advertised in its ID response, which imapflow only exchanges after
   * TLS (DEEP -04 §5.1). Only a passed, still-open socket counts; persists via the store (I/O).
   */
  async learn(serverInfo: unknown, capsAfterTls: readonly string[]): Promise<Commitment> {
    const socket = this.#passed
    const advertisement: Advertisement = advertisementFromServerInfo(serverInfo)
    if (socket === undefined || socket.destroyed || advertisement === undefined) return this.commitment
    const transport = this.commitment.endpoint.transport
    const facts: SessionFacts = { ...this.#facts(transport), capsAfterTls, advertisement }
    return this.guard.learn(this.commitment, observeSecureSocket(socket, this.params, facts))
  }
}
