// connectPop3(): the guarded way to open a POP3 session (house style H17). Load the commitment →
// connect the committed way with the Guard's TLS options → check the handshake before any POP3 byte
// over TLS → post-TLS CAPA → check again (the gate) → tripwire → USER/PASS or AUTH → learn from the
// post-TLS CAPA. Nothing before the gate can send a credential; nothing before TLS is ever learned.
// The three places where it asks the Guard, for one connection attempt, are GuardCheckpoints:
//  1. onSecure: the completed handshake, before any POP3 byte is read or written over TLS;
//  2. the gate: after the post-TLS CAPA, before USER/PASS/AUTH, with the complete observation;
//  3. a failure before TLS was up: STLS stripped/refused, injected bytes, a failed handshake.
// POP3 has no in-band reporting (DEEP -04 §7.2), so a refusal sends nothing more to the server: the
// socket is destroyed, the report has already gone to the app's sinks, the caller rejects.
import type { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type Commitment,
  type DeepStatus,
  ErrorCode,
  type Evidence,
  isSdkError,
  type Observation,
  type ObservedTransport,
  parseDeepStatus,
  parseStsCapability,
  SdkError,
  type SecurityRecord,
  type StsPolicy,
  toSdkError,
} from '@mua-sts/core'
import {
  abortedError,
  type CheckPassed,
  connectDeadline,
  DEFAULT_IDLE_TIMEOUT_MS,
  daneReady,
  Guard,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
  throwIfAborted,
} from '@mua-sts/transport'
import { authenticateParsed } from './auth.js'
import { type GuardedPop3, GuardedPop3Client } from './client.js'
import { establishSession, type Session } from './connect.js'
import { isPop3Error, PHASE_OF, type Pop3Error, type Pop3PreTlsAnomaly } from './errors.js'
import {
  type ConnectPop3Options,
  type ParsedConnectPop3Options,
  type Pop3GateContext,
  parseConnectPop3Options,
  type SessionConfig,
  sessionTuning,
} from './options.js'

const PACKAGE = '@mua-sts/pop3'

/**
 * Opens a POP3 session for `options.account` that is checked against the stored commitment before any
 * USER, PASS or AUTH byte is sent, logs in, and returns the authenticated client.
 *
 * Does I/O: reads (and, when the post-TLS CAPA teaches something new, writes) the commitment store;
 * connects to the committed endpoint. On a refusal the report is dispatched to `options.reports`
 * synchronously before the promise rejects, and nothing more is sent to the server (POP3 has no
 * in-band reporting, DEEP -04 §7.2).
 *
 * `options.timeoutMs` is one hard deadline from TCP connect to the end of login (issue #13); after
 * login the session closes itself after `options.idleTimeoutMs` without traffic. `options.signal`
 * cancels (issue #16): an already-aborted signal rejects before the store read; aborting later destroys
 * the socket at once in any phase and rejects with `MUASTS_ERR_ABORTED` (`details.phase`, no report);
 * after login it cancels the command in flight the same way.
 *
 * Refusals (`MUASTS_ERR_COMMITMENT_VIOLATED`, with a report): STLS not offered or refused, bytes after
 * the STLS reply, unsolicited data before TLS, a failed TLS handshake (certificate, name, version, a
 * server that does not speak TLS), and any violation of the completed handshake (pins, TLS version,
 * cipher). Reported but not a refusal of the server's security: a stall before TLS after the server
 * spoke (`MUASTS_ERR_TIMEOUT`, `stalled_before_tls`), and a refused, reset or silent connection
 * (`MUASTS_ERR_CONNECTION` / `MUASTS_ERR_TIMEOUT`, a `connection_error` report). Not reported (coded
 * Pop3Error): failures after TLS, broken POP3 framing, wrong credentials.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` (bad or SDK-owned option; no I/O), `MUASTS_ERR_NO_COMMITMENT`,
 *   store errors (`MUASTS_ERR_STORE_*`, reported), `MUASTS_ERR_COMMITMENT_VIOLATED`
 *   (`CommitmentViolationError` with `.report`), `MUASTS_ERR_TIMEOUT` / `MUASTS_ERR_CONNECTION`
 *   (`details.phase`; `.report` before TLS), `MUASTS_ERR_GUARD_BYPASSED` (tripwire), Pop3Error
 *   `MUASTS_ERR_POP3_*` (TIMEOUT, CLOSED, PROTOCOL, COMMAND_FAILED, TOO_LARGE), `MUASTS_ERR_AUTH_FAILED`
 *   (wrong credentials, no report), `MUASTS_ERR_ABORTED` (the signal fired), `MUASTS_ERR_INTERNAL`.
 */
export async function connectPop3(options: ConnectPop3Options): Promise<GuardedPop3> {
  const o = parseConnectPop3Options(options)
  throwIfAborted(o.signal, 'POP3') // before the store read and before any socket
  const guard = new Guard(o, 'pop3', PACKAGE) // o's Guard fields were validated by parseConnectPop3Options
  const checkpoints = new GuardCheckpoints(guard, await guard.commitment())
  // One hard deadline from TCP connect to the end of login (issue #13): per-step timers cannot bound a
  // server that trickles bytes, this one destroys every socket it was given when it fires, and so does
  // the app's abort. Throws ABORTED (no socket yet) if the signal fired during the store read.
  const deadline = connectDeadline(o.timeoutMs, { what: 'POP3', signal: o.signal })
  try {
    let session: Session
    try {
      session = await establishSession(checkpoints.config(o), deadline)
    } catch (error) {
      // An abort is the app's decision, not evidence about the server: no report.
      throw deadline.aborted ? deadline.error : checkpoints.refusalFor(error)
    }
    try {
      deadline.enter('login')
      await deadline.race(authenticateParsed(session, o.auth)) // tripwire inside: the exact socket the Guard passed
      deadline.clear()
      // A latch the store could not persist would silently not protect the next connection: fail.
      const commitment = await checkpoints.learn()
      if (o.signal?.aborted === true) throw abortedError('POP3', 'login', o.signal.reason)
      return new GuardedPop3Client(
        session,
        commitment,
        () => checkpoints.record,
        o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      )
    } catch (error) {
      session.wire.end() // close_notify + FIN; no QUIT, so nothing of this session is committed
      throw deadline.error ?? toSdkError(error)
    }
  } finally {
    deadline.clear()
  }
}

// ─── The checkpoints ────────────────────────────────────────────────────────────────────────────

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
  // The gate's pass: its `record` is built on first read unless something received records (transport).
  #pass: CheckPassed | undefined

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
      // The connect deadline owns the abort until login; the client keeps it for the commands after.
      signal: o.signal,
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

  /**
   * Checkpoint 1, once this connection's TLSA answer is in (#15; at once when there is none to await).
   * On refusal the report is dispatched and the violation thrown (the socket is destroyed).
   */
  #onSecure(socket: TLSSocket, capsBeforeTls: readonly string[]): void | Promise<void> {
    const dane = daneReady(this.params.dane, socket)
    if (dane === undefined) return this.#checkpoint1(socket, capsBeforeTls)
    return dane.then(() => this.#checkpoint1(socket, capsBeforeTls))
  }

  #checkpoint1(socket: TLSSocket, capsBeforeTls: readonly string[]): void {
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
    this.#pass = r
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

  /** The security record of the connection checkpoint 2 passed (issue #14). */
  get record(): SecurityRecord | undefined {
    return this.#pass?.record
  }

  /**
   * After a successful login: strengthens the commitment from the post-TLS advertisement the gate saw
   * and persists it when something is new (DEEP -04 §5.1; nothing seen before TLS is ever used).
   * Does I/O (the store). @throws the store's SdkError when it cannot persist.
   */
  async learn(): Promise<Commitment> {
    const o = this.#passed
    if (o === undefined || o.advertisement === undefined) return this.commitment
    return this.guard.learn(this.commitment, o)
  }
}

// ─── What the server advertises about itself in its post-TLS CAPA ──────────────────────────────
// A DEEP status (DEEP -04 §7.2, CAPA tag `DEEP`) and a -05 policy (CAPA tag `STS`, -05 §9.2 / §13.7).
// Callers pass only what was read over TLS; the pre-TLS CAPA is the attacker's and never reaches this.
// Malformed values are ignored, never fatal (DEEP -04 §5.3: do not latch from a bad status, do not
// fail the session).

export type CapaAdvertisement = { deep?: DeepStatus; sts?: StsPolicy }

/**
 * Parses the advertisement out of the post-TLS CAPA. Pure; undefined when there is none.
 * @param deepStatusAfterTls the raw text after `DEEP ` in the post-TLS CAPA (`''` for a bare `DEEP`).
 * @param capsAfterTls the post-TLS capability lines, for the -05 `STS` line.
 */
export function advertisementFromCapa(
  deepStatusAfterTls: string | undefined,
  capsAfterTls: readonly string[],
): CapaAdvertisement | undefined {
  const out: CapaAdvertisement = {}
  if (deepStatusAfterTls !== undefined) {
    const deep = parseDeepStatus(deepStatusAfterTls)
    if (deep.ok) {
      const { tags, url } = deep.value
      out.deep = url === undefined ? { tags: [...tags] } : { tags: [...tags], url }
    }
  }
  const sts = parseStsCapability(capsAfterTls)
  if (sts?.ok === true) {
    const { ignored: _ignored, ...policy } = sts.value
    out.sts = policy
  }
  return out.deep === undefined && out.sts === undefined ? undefined : out
}
