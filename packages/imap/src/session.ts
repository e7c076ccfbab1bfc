// One guarded IMAP connection's decision state, shared by the transport (which sees the sockets) and
// connectImap (which sees imapflow). The first terminal failure wins and is what the app receives.
// It also owns the connect deadline and decides the honest blame for a failure (issue #13 item 3):
// a violation, a stall before TLS, or a plain connection error.
import type { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type Commitment,
  ErrorCode,
  isSdkError,
  type ObservedTransport,
  type SdkError,
  type SecurityRecord,
} from '@mua-sts/core'
import {
  type CheckPassed,
  type ConnectDeadline,
  type DeferredRefusal,
  evidenceOf,
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

/** A refusal whose in-band exchange is running: settled once, with what was actually written. */
type PendingRefusal = {
  readonly refusal: DeferredRefusal
  sent: Readonly<Record<string, string>> | undefined
  settled: boolean
}

export class ImapSession {
  readonly guard: Guard
  readonly commitment: Commitment
  /** This connection's TLS options and the identity record its handshake fills in. */
  readonly params: TlsParams
  /** Sees every cleartext byte of a STARTTLS session (unused for implicit TLS). */
  readonly scanner = new PreTlsScanner()
  /** Bound on the in-band latch-failure exchange. */
  readonly inBandTimeoutMs: number
  /** The one hard deadline of this connect (TCP connect → first authenticated command). */
  readonly deadline: ConnectDeadline
  #failure: SdkError | undefined
  #passed: TLSSocket | undefined
  #record: SecurityRecord | undefined
  #pending: PendingRefusal | undefined

  constructor(guard: Guard, commitment: Commitment, inBandTimeoutMs: number, deadline: ConnectDeadline) {
    this.guard = guard
    this.commitment = commitment
    this.params = guard.tlsParams(commitment)
    this.inBandTimeoutMs = inBandTimeoutMs
    this.deadline = deadline
  }

  /** The first terminal failure of this connection, if any (settles a running in-band exchange). */
  get failure(): SdkError | undefined {
    this.settleRefusal()
    return this.#failure
  }

  /** The security record of the connection the check passed (issue #14). */
  get record(): SecurityRecord | undefined {
    return this.#record
  }

  /**
   * Starts a refusal whose report waits for its in-band exchange. `mayWrite()` turns false once the
   * refusal was settled some other way (the deadline), so nothing is written that the report does not
   * claim; `idSent(fields)` records the ID actually written.
   */
  beginRefusal(refusal: DeferredRefusal): {
    mayWrite: () => boolean
    idSent: (f: Readonly<Record<string, string>>) => void
  } {
    const pending: PendingRefusal = { refusal, sent: undefined, settled: false }
    this.#pending = pending
    return {
      mayWrite: () => !pending.settled,
      idSent: (fields) => {
        if (!pending.settled) pending.sent = fields
      },
    }
  }

  /** Dispatches the pending refusal's report (claiming in band only what was written) and records it. */
  settleRefusal(): void {
    const p = this.#pending
    if (p === undefined || p.settled) return
    p.settled = true
    const error = p.refusal.complete(p.sent === undefined ? null : { idFields: { ...p.sent } })
    this.#failure ??= error
  }

  /** The TLS socket the guard passed (and marked for the tripwire), once it did. */
  get passedSocket(): TLSSocket | undefined {
    return this.#passed
  }

  fail(error: SdkError): void {
    this.settleRefusal()
    this.#failure ??= error
  }

  #facts(transport: ObservedTransport, anomalies: readonly Anomaly[] = []): SessionFacts {
    return {
      service: 'imap',
      endpoint: { host: this.commitment.endpoint.host, port: this.commitment.endpoint.port },
      transport,
      capsBeforeTls: this.scanner.capsBeforeTls,
      anomalies,
      evidence: this.scanner.evidence.map((e) => evidenceOf(e.kind, Buffer.from(e.raw, 'latin1'))),
    }
  }

  /** Refuses on what the cleartext phase showed; the report is dispatched before this returns. */
  refusePreTls(anomalies: readonly Anomaly[], transport: ObservedTransport = 'plaintext'): void {
    if (this.#failure !== undefined) return
    const r = this.guard.check(this.commitment, observePreTls(this.#facts(transport, anomalies)), undefined)
    if (!r.ok) this.fail(r.error)
  }

  /**
   * Checks a completed handshake. On success the socket is marked as passed (tripwire). A refusal is
   * returned unsettled: the transport runs the in-band exchange, then settles it (settleRefusal).
   */
  checkSecure(socket: TLSSocket, transport: 'implicit-tls' | 'starttls'): CheckPassed | DeferredRefusal {
    this.deadline.enter('check')
    const r = this.guard.checkDeferred(
      this.commitment,
      observeSecureSocket(socket, this.params, this.#facts(transport)),
      socket,
    )
    if (r.ok) {
      this.#passed = socket
      this.#record = r.record
      this.deadline.enter('identify')
    }
    return r
  }

  /** Reports a handshake that did not complete (untrusted chain, wrong name, version, not TLS…). */
  handshakeFailed(error: unknown, transport: 'implicit-tls' | 'starttls'): void {
    if (this.#failure !== undefined) return
    const o = observeHandshakeFailure(error, this.params, this.#facts(transport, this.scanner.anomalies))
    const r = this.guard.check(this.commitment, o, undefined)
    if (!r.ok) this.fail(r.error)
  }

  /**
   * The deadline fired (or imapflow's own timer did) in the current phase. After the check passed it is
   * a plain timeout. Before it, a host that never sent a byte (TCP not up, a silent listener, an
   * implicit-TLS ClientHello never answered) is a connection error: an outage, not evidence of an
   * attack. Only a server that spoke and then stalled is `stalled_before_tls` on the committed endpoint
   * (what a stripping attacker does once stripping is detected); SMTP and POP3 apply the same rule.
   */
  timedOut(timeout: SdkError): SdkError {
    this.settleRefusal()
    if (this.#failure !== undefined) return this.#failure
    const phase = this.deadline.phase
    let out: SdkError
    if (this.#passed !== undefined) out = timeout
    // `check`: the handshake completed and the TLSA answer (#15) was still awaited. Not a stall before
    // TLS, and not evidence of an attack: a connection error, like a silent host.
    else if (phase === 'tcp' || phase === 'check' || this.scanner.bytesSeen === 0)
      out = this.guard.connectionFailed({ phase, error: timeout, commitment: this.commitment })
    else
      out = this.guard.stalledBeforeTls(
        this.commitment,
        this.#facts('plaintext', this.scanner.anomalies),
        timeout,
      )
    this.fail(out)
    return out
  }

  /**
   * The connection closed, was refused or reset before the check passed and nothing in it was a
   * violation: a connection error with its own report kind, never blamed on an attack.
   */
  connectionFailed(error: unknown): SdkError {
    this.settleRefusal()
    if (this.#failure !== undefined) return this.#failure
    const out = this.guard.connectionFailed({
      phase: this.deadline.phase,
      error,
      commitment: this.commitment,
    })
    this.fail(out)
    return out
  }

  /** True for an SdkError MUASTS_ERR_TIMEOUT (the deadline's, or imapflow's mapped). */
  static isTimeout(error: unknown): error is SdkError {
    return isSdkError(error, ErrorCode.Timeout)
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
