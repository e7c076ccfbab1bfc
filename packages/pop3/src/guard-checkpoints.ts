// The three places where connectPop3 asks the Guard (house style H17), for one connection attempt:
//  1. onSecure: the completed handshake, before any POP3 byte is read or written over TLS;
//  2. the gate: after the post-TLS CAPA, before USER/PASS/AUTH, with the complete observation;
//  3. a failure before TLS was up: STLS stripped/refused, injected bytes, a failed handshake.
// POP3 has no in-band reporting (DEEP -04 §7.2), so a refusal sends nothing more to the server: the
// socket is destroyed, the report has already gone to the app's sinks, the caller rejects.
import type { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type Commitment,
  ErrorCode,
  type Evidence,
  isSdkError,
  type Observation,
  type ObservedTransport,
  SdkError,
  type SecurityRecord,
  toSdkError,
} from '@mua-sts/core'
import {
  type Guard,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
} from '@mua-sts/transport'
import { advertisementFromCapa } from './advertisement.js'
import type { Pop3PreTlsAnomaly } from './anomaly.js'
import { isPop3Error, type Pop3Error } from './errors.js'
import type { Pop3GateContext } from './gate.js'
import { type ParsedConnectPop3Options, sessionTuning } from './guarded-options.js'
import type { SessionConfig } from './session-config.js'
import { PHASE_OF } from './stls.js'

/** The timeout to report for a stall before TLS: the deadline's, or a per-step one in the same terms. */
function timeoutOf(error: Pop3Error, a: Pop3PreTlsAnomaly): SdkError {
  if (isSdkError(error.cause, ErrorCode.Timeout)) return error.cause
  return new SdkError(ErrorCode.Timeout, error.message, {
    cause: error,
    details: { phase: PHASE_OF[a.step] },
  })
}

export class GuardCheckpoints {
  readonly guard: Guard
  readonly commitment: Commitment
  /** This connection's TLS options and the identity record its handshake fills in. */
  readonly params: TlsParams
  #passed: Observation | undefined
  #record: SecurityRecord | undefined

  constructor(guard: Guard, commitment: Commitment) {
    this.guard = guard
    this.commitment = commitment
    this.params = guard.tlsParams(commitment)
  }

  /** The connect sequence's configuration: the committed endpoint and mode, the Guard's TLS options. */
  config(o: ParsedConnectPop3Options): SessionConfig {
    const tls = this.params.options
    const { host, port } = this.commitment.endpoint
    return {
      transport: this.commitment.endpoint.transport,
      // Dial exactly what tls.connect will verify; the optional lookup (trust.lookup) only picks the address.
      dial: { host: tls.host ?? host, port: tls.port ?? port, lookup: tls.lookup },
      tls,
      gate: (ctx) => this.#gate(ctx),
      onSecure: (socket, capsBeforeTls) => this.#onSecure(socket, capsBeforeTls),
      ...sessionTuning(o),
    }
  }

  #facts(
    transport: ObservedTransport,
    capsBeforeTls: readonly string[],
    anomalies: Anomaly[] = [],
    evidence: readonly Evidence[] = [],
  ): SessionFacts {
    const { host, port } = this.commitment.endpoint
    return { service: 'pop3', endpoint: { host, port }, transport, capsBeforeTls, anomalies, evidence }
  }

  /** Checkpoint 1. On refusal the report is dispatched and the violation thrown (the socket is destroyed). */
  #onSecure(socket: TLSSocket, capsBeforeTls: readonly string[]): void {
    const facts = this.#facts(this.commitment.endpoint.transport, capsBeforeTls)
    const r = this.guard.check(this.commitment, observeSecureSocket(socket, this.params, facts), socket, {
      interim: true, // checkpoint 2 records the connection (issue #14)
    })
    if (!r.ok) throw r.error // r.inBand is ignored: POP3 has no in-band channel (DEEP -04 §7.2)
  }

  /**
   * Checkpoint 2, the gate. It re-evaluates with the complete observation, so it is a full check on
   * its own (checkpoint 1 only exists so that an impostor does not even see CAPA). The Guard records
   * the exact socket as passed for the tripwire in auth.ts. The advertisement comes only from the
   * post-TLS CAPA; it is kept for {@link learn}.
   */
  async #gate(ctx: Pop3GateContext): Promise<void> {
    const facts: SessionFacts = {
      ...this.#facts(ctx.transport, ctx.capsBeforeTls),
      capsAfterTls: ctx.capsAfterTls,
      advertisement: advertisementFromCapa(ctx.deepStatusAfterTls, ctx.capsAfterTls),
    }
    const observation = observeSecureSocket(ctx.socket, this.params, facts)
    const r = this.guard.check(this.commitment, observation, ctx.socket)
    if (!r.ok) throw r.error
    this.#passed = observation
    this.#record = r.record
  }

  /**
   * Checkpoint 3: what connectPop3 rejects with when the connect sequence failed, with honest blame
   * (issue #13). A refusal before TLS (STLS missing or refused, bytes after STLS, unsolicited data) or
   * a failed handshake is a violation: reported, and the CommitmentViolationError returned. A stall
   * before TLS after the server sent at least one byte is `stalled_before_tls` (reported; the timeout
   * is returned). A refused, reset or closed connection, or a stall before the server sent anything,
   * is a connection error (its own report kind, never called an attack). The same rule as IMAP/SMTP. Broken framing keeps its coded Pop3Error without a report.
   * Errors thrown by checkpoints 1 and 2, and failures after TLS, pass through. Never throws.
   */
  refusalFor(error: unknown): Error {
    if (!isPop3Error(error) || error.anomaly === undefined) return toSdkError(error)
    const a = error.anomaly
    const transport = this.commitment.endpoint.transport
    const commitment = this.commitment
    let observation: Observation
    switch (a.code) {
      case 'starttls_not_offered':
      case 'starttls_refused':
      case 'untagged_before_tls':
        // TLS was never attempted: the achieved transport is plaintext.
        observation = observePreTls(this.#facts('plaintext', a.capsBeforeTls, [a.code], a.evidence))
        break
      case 'bytes_after_starttls':
        observation = observePreTls(this.#facts('starttls', a.capsBeforeTls, [a.code], a.evidence))
        break
      case 'tls_handshake_failed':
        // Plaintext where the ServerHello belongs is core's "did not speak TLS", never an injection:
        // bytes_after_starttls is only for bytes seen before the ClientHello was sent.
        observation = observeHandshakeFailure(
          error.cause,
          this.params,
          this.#facts(transport, a.capsBeforeTls),
        )
        break
      case 'timeout': {
        const timeout = timeoutOf(error, a)
        if (a.step !== 'connect' && a.serverOctets > 0) {
          return this.guard.stalledBeforeTls(commitment, this.#facts('plaintext', a.capsBeforeTls), timeout)
        }
        return this.guard.connectionFailed({ phase: PHASE_OF[a.step], error: timeout, commitment })
      }
      case 'connection_failed':
      case 'connection_closed': {
        const cause = isSdkError(error.cause) ? error : (error.cause ?? error)
        return this.guard.connectionFailed({ phase: PHASE_OF[a.step], error: cause, commitment })
      }
      default:
        return error
    }
    const r = this.guard.check(commitment, observation, undefined)
    return r.ok ? error : r.error
  }

  /**
   * After a successful login: strengthens the commitment from the post-TLS advertisement the gate saw
   * and persists it when something is new (DEEP -04 §5.1; nothing seen before TLS is ever used).
   * Does I/O (the store). @throws the store's SdkError when it cannot persist.
   */
  /** The security record of the connection checkpoint 2 passed (issue #14). */
  get record(): SecurityRecord | undefined {
    return this.#record
  }

  async learn(): Promise<Commitment> {
    const o = this.#passed
    if (o === undefined || o.advertisement === undefined) return this.commitment
    return this.guard.learn(this.commitment, o)
  }
}
