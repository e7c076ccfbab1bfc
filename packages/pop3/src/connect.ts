// The connect sequence: TCP → TLS (implicit, or STLS) → [onSecure] → post-TLS CAPA → gate.
// No credentials here.
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { type ConnectDeadline, connectDeadline, evidenceOf, markPassed } from '@mua-sts/transport'
import type { Pop3PreTlsAnomaly } from './anomaly.js'
import { deepStatusOf } from './capa.js'
import { Pop3Error, Pop3ErrorCode } from './errors.js'
import { commandFailed, readStatus, requestCapa } from './exchange.js'
import { assertGatePassed, type Pop3GateContext } from './gate.js'
import type { GuardRemoval } from './guard-removal.js'
import type { SessionConfig } from './session-config.js'
import { enterStep, negotiateStls, type PreTlsRecord, StlsRefusal } from './stls.js'
import { openTcp } from './tcp.js'
import { upgradeToTls } from './tls-upgrade.js'
import { UnsolicitedData, Wire } from './wire.js'

/** A connected, gated POP3 session in the AUTHORIZATION state (RFC 1939 §4). */
export type Session = {
  /** A TLSSocket that passed the gate (a cleartext socket only under test-only guard removal). */
  readonly socket: Socket
  readonly wire: Wire
  readonly options: SessionConfig
  readonly capsAfterTls: readonly string[]
  readonly removal: GuardRemoval | undefined
}

/**
 * The whole connect sequence under one hard deadline: the caller's (connectPop3, which keeps it running
 * through login), or for the raw client one as long as all its step timeouts together, so that a
 * server trickling bytes within every per-step timer still cannot hold the connect forever.
 */
function deadlineFor(o: SessionConfig, given: ConnectDeadline | undefined): ConnectDeadline {
  if (given !== undefined) return given
  const t = o.timeouts
  return connectDeadline(t.connectMs + t.greetingMs + t.handshakeMs + 2 * t.commandMs + t.gateMs, {
    what: 'POP3',
  })
}

/**
 * Runs the whole connect sequence (does I/O). Resolves only after the gate resolved and the socket is
 * recorded as passed in the SDK-wide tripwire set. Every socket is attached to `deadline`.
 * @throws Pop3Error with `anomaly` set for any failure before TLS was established (a deadline that fired
 *   there is anomaly `timeout` with the deadline's MUASTS_ERR_TIMEOUT as `cause`); the deadline's own
 *   error when it fired after TLS; Pop3Error without `anomaly` for other failures after TLS; whatever
 *   `onSecure` or the gate threw if they refused; SdkError GUARD_BYPASSED if the gate resolved without
 *   recording the socket.
 */
export async function establishSession(
  o: SessionConfig,
  removal?: GuardRemoval,
  given?: ConnectDeadline,
): Promise<Session> {
  const deadline = deadlineFor(o, given)
  // Expiry destroys every attached socket, so the sequence fails at once with what it had seen (the
  // blame needs that record). The backstop only bounds a step that would not notice.
  let backstop: NodeJS.Timeout | undefined
  let finished = false
  const late = new Promise<never>((_, reject) => {
    deadline.onExpire((error) => {
      if (!finished) backstop = setTimeout(() => reject(error), BACKSTOP_MS)
    })
  })
  try {
    return await Promise.race([connectSequence(o, removal, deadline), late])
  } finally {
    finished = true
    clearTimeout(backstop)
    if (given === undefined) deadline.clear()
  }
}

const BACKSTOP_MS = 1_000

async function connectSequence(
  o: SessionConfig,
  removal: GuardRemoval | undefined,
  deadline: ConnectDeadline,
): Promise<Session> {
  const record: PreTlsRecord = {
    step: 'connect',
    capsBeforeTls: [],
    greetingBeforeTls: undefined,
  }
  let raw: Socket | undefined
  let socket: TLSSocket
  let leftover: Buffer = Buffer.alloc(0)
  try {
    enterStep(record, deadline, 'connect')
    const connectMs = Math.max(1, Math.min(o.timeouts.connectMs, deadline.remainingMs()))
    raw = deadline.attach(await openTcp(o.dial.host, o.dial.port, connectMs, o.dial.lookup))
    if (o.transport === 'implicit-tls') {
      enterStep(record, deadline, 'handshake')
      // RFC 8314 §3.3 / DEEP -04 §4.1: TLS before any POP3 byte
      socket = await upgradeToTls(raw, o.tls, o.timeouts.handshakeMs)
    } else {
      const outcome = await negotiateStls(raw, o, record, deadline, removal)
      if (outcome.kind === 'cleartext') {
        return { socket: raw, wire: outcome.wire, options: o, capsAfterTls: record.capsBeforeTls, removal }
      }
      socket = outcome.socket
      leftover = outcome.leftover
    }
    deadline.attach(socket)
  } catch (err) {
    raw?.destroy() // already destroyed on every coded failure; this covers an unexpected exception
    const timeout = deadline.error
    throw preTlsFailure(timeout ?? err, o.transport, record, raw?.bytesRead ?? 0)
  }

  // TLS is up. RFC 2595 §4: the client MUST discard cached capabilities and SHOULD re-issue CAPA;
  // only what is read from here on describes the server. `leftover` is empty unless a test removed
  // the injection guard.
  const wire = new Wire(socket, o.transport === 'implicit-tls', leftover)
  try {
    // Synchronous, and reached from `secureConnect` through promise continuations only, so no I/O
    // callback has run since the handshake: nothing has been read or sent over TLS yet.
    deadline.enter('check')
    o.onSecure?.(socket, record.capsBeforeTls)
    if (o.transport === 'implicit-tls') {
      deadline.enter('greeting')
      const greeting = await readStatus(wire, 'greeting', o.timeouts.greetingMs)
      wire.endResponse()
      if (!greeting.ok) throw commandFailed('greeting', greeting)
    }
    deadline.enter('identify')
    const capsAfterTls = (await requestCapa(wire, o.timeouts.commandMs)) ?? []
    deadline.enter('check')
    await passGate(o, socket, wire, record, capsAfterTls, removal)
    return { socket, wire, options: o, capsAfterTls, removal }
  } catch (err) {
    wire.destroy()
    // After TLS a stall is only a timeout: the handshake was already judged (onSecure).
    throw deadline.error ?? err
  }
}

async function passGate(
  o: SessionConfig,
  socket: TLSSocket,
  wire: Wire,
  record: PreTlsRecord,
  capsAfterTls: readonly string[],
  removal: GuardRemoval | undefined,
): Promise<void> {
  if (removal?.skipGate === true) return
  const ctx: Pop3GateContext = Object.freeze({
    socket,
    transport: o.transport,
    capsBeforeTls: Object.freeze([...record.capsBeforeTls]),
    capsAfterTls: Object.freeze([...capsAfterTls]),
    deepStatusAfterTls: deepStatusOf(capsAfterTls),
    greetingBeforeTls: record.greetingBeforeTls,
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const ms = o.timeouts.gateMs
      reject(
        new Pop3Error(Pop3ErrorCode.Timeout, `POP3 policy gate did not settle within ${ms} ms`, {
          step: 'gate',
        }),
      )
    }, o.timeouts.gateMs)
  })
  try {
    // `.then` also turns a synchronous throw from a non-async gate into a refusal.
    await Promise.race([Promise.resolve().then(() => o.gate(ctx)), timeout])
  } catch (refusal) {
    // Refused: destroy without sending anything else (not even QUIT), and surface the gate's own error.
    if (removal?.ignoreGateRefusal !== true) throw refusal
    markPassed(socket) // test-only guard removal: treat the refused socket as passed
  } finally {
    clearTimeout(timer)
  }
  // The server spoke out of turn or hung up while the gate ran: never continue on that stream.
  if (wire.failure !== undefined) throw wire.failure
  // Whoever decided (the Guard, or the wrapper around the caller's gate) recorded this exact socket.
  assertGatePassed(socket, 'POP3 connect')
}

// What a peer that hangs up or resets looks like to Node during a TLS handshake.
const HANG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

function preTlsFailure(
  err: unknown,
  transport: SessionConfig['transport'],
  record: PreTlsRecord,
  serverOctets: number,
): unknown {
  const anomaly = (
    code: Pop3PreTlsAnomaly['code'],
    tlsErrorCode?: string,
    evidence: Pop3PreTlsAnomaly['evidence'] = [],
  ): Pop3PreTlsAnomaly => ({
    code,
    transport,
    step: record.step,
    capsBeforeTls: Object.freeze([...record.capsBeforeTls]),
    greetingBeforeTls: record.greetingBeforeTls,
    tlsErrorCode,
    serverOctets,
    evidence: Object.freeze([...evidence]),
  })
  if (err instanceof StlsRefusal) {
    return new Pop3Error(Pop3ErrorCode.TlsUnavailable, err.message, {
      step: err.step,
      anomaly: anomaly(err.anomaly, undefined, err.evidence),
    })
  }
  if (isSdkError(err, ErrorCode.Timeout)) {
    // The connect deadline fired before TLS: kept as the cause, so the guard can name the phase.
    return new Pop3Error(Pop3ErrorCode.Timeout, err.message, {
      cause: err,
      step: record.step,
      anomaly: anomaly('timeout'),
    })
  }
  if (err instanceof UnsolicitedData) {
    // RFC 1939 §3 has one reply per command: bytes nobody asked for before TLS are an injection.
    return new Pop3Error(err.code, err.message, {
      cause: err,
      step: err.step ?? record.step,
      anomaly: anomaly('untagged_before_tls', undefined, [evidenceOf('line', err.bytes)]),
    })
  }
  if (!(err instanceof Pop3Error)) return err
  const details = { cause: err.cause ?? err, step: err.step ?? record.step }
  switch (err.code) {
    case Pop3ErrorCode.TlsUnavailable: {
      const tlsCode = (err.cause as NodeJS.ErrnoException | undefined)?.code
      // A socket-level hang-up or reset is an outage as far as anyone can tell, not a TLS failure (the
      // same rule on all three protocols); TLS-layer errors (ERR_SSL_*, CERT_*, …) are judged.
      if (tlsCode !== undefined && HANG_UP_CODES.has(tlsCode)) {
        return new Pop3Error(Pop3ErrorCode.Closed, err.message, {
          ...details,
          anomaly: anomaly('connection_closed', tlsCode),
        })
      }
      return new Pop3Error(err.code, err.message, {
        ...details,
        anomaly: anomaly('tls_handshake_failed', tlsCode),
      })
    }
    case Pop3ErrorCode.Timeout:
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly('timeout') })
    case Pop3ErrorCode.Closed: {
      const code = record.step === 'connect' ? 'connection_failed' : 'connection_closed'
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly(code) })
    }
    default:
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly('protocol_error') })
  }
}
