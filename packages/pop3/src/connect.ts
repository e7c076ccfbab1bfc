// The connect sequence, top to bottom: TCP → TLS (implicit, or greeting → CAPA → STLS → handshake)
// → [onSecure] → post-TLS CAPA → gate → tripwire record. No credentials here (auth.ts sends them, and
// only on a socket this file let through). Both front doors run it: Pop3Client.connect with the
// caller's gate, connectPop3 with the Guard's checkpoints (guard.ts). Everything read before TLS is
// attacker-controlled: it decides exactly three things (is the greeting positive, is STLS listed, did
// STLS get +OK) and is otherwise kept only as report data.
import { type Socket, connect as tcpConnect } from 'node:net'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { type ConnectionOptions, TLSSocket, connect as tlsConnect } from 'node:tls'
import { safeText } from '@mua-sts/core'
import {
  assertPassed,
  type ConnectDeadline,
  connectDeadline,
  evidenceOf,
  PRE_TLS_LIMITS,
} from '@mua-sts/transport'
import {
  commandFailed,
  enterStep,
  Pop3Error,
  Pop3ErrorCode,
  type PreTlsRecord,
  preTlsFailure,
  StlsRefusal,
} from './errors.js'
import {
  CAPA_LINE_MAX,
  CAPA_RESPONSE_MAX,
  deepStatusOf,
  hasCapability,
  parseCapaLines,
  splitLines,
} from './framing.js'
import type { Pop3GateContext, SessionConfig } from './options.js'
import { readBodyBuffer, readStatus, Wire } from './wire.js'

/** A connected, gated POP3 session in the AUTHORIZATION state (RFC 1939 §4). */
export type Session = {
  /** The TLS socket that passed the gate (and is recorded in the SDK-wide tripwire set). */
  readonly socket: TLSSocket
  readonly wire: Wire
  readonly options: SessionConfig
  readonly capsAfterTls: readonly string[]
}

// After the deadline fired, how long the sequence may take to fail by itself with what it saw.
const BACKSTOP_MS = 1_000

/**
 * Runs the whole connect sequence under one hard deadline (does I/O): `given` (connectPop3 keeps it
 * running through login), or for the raw client one as long as all its step timeouts together, so a
 * server trickling bytes within every per-step timer still cannot hold the connect forever. Every
 * socket is attached to it, so a timeout or the app's abort (`o.signal`) destroys it at once.
 * Resolves only after the gate resolved and the socket is recorded as passed.
 * @throws Pop3Error with `anomaly` set for any failure before TLS; the deadline's own error (TIMEOUT
 *   after TLS, ABORTED anywhere, at once); Pop3Error without `anomaly` for other failures after TLS;
 *   whatever `onSecure` or the gate threw if they refused; SdkError GUARD_BYPASSED if the gate resolved
 *   without recording the socket.
 */
export async function establishSession(o: SessionConfig, given?: ConnectDeadline): Promise<Session> {
  const t = o.timeouts
  const deadline =
    given ??
    connectDeadline(t.connectMs + t.greetingMs + t.handshakeMs + 2 * t.commandMs + t.gateMs, {
      what: 'POP3',
      signal: o.signal,
    })
  let backstop: NodeJS.Timeout | undefined
  let finished = false
  const late = new Promise<never>((_, reject) => {
    deadline.onExpire((error) => {
      if (finished) return
      // An abort is the app's decision, not evidence about the server: reject now. A timeout lets the
      // sequence fail by itself first, with the record the blame needs; the backstop bounds a step
      // that would not notice its destroyed socket.
      if (deadline.aborted) reject(error)
      else backstop = setTimeout(() => reject(error), BACKSTOP_MS)
    })
  })
  try {
    return await Promise.race([connectSequence(o, deadline), late])
  } finally {
    finished = true
    clearTimeout(backstop)
    if (given === undefined) deadline.clear() // also removes the abort listener
  }
}

async function connectSequence(o: SessionConfig, deadline: ConnectDeadline): Promise<Session> {
  const record: PreTlsRecord = { step: 'connect', capsBeforeTls: [], greetingBeforeTls: undefined }
  let raw: Socket | undefined
  let socket: TLSSocket
  try {
    enterStep(record, deadline, 'connect')
    const connectMs = Math.max(1, Math.min(o.timeouts.connectMs, deadline.remainingMs()))
    raw = await openTcp(o, connectMs, deadline)
    if (o.transport === 'implicit-tls') {
      enterStep(record, deadline, 'handshake')
      // RFC 8314 §3.3 / DEEP -04 §4.1: TLS before any POP3 byte
      socket = await upgradeToTls(raw, o.tls, o.timeouts.handshakeMs, deadline)
    } else {
      socket = await negotiateStls(raw, o, record, deadline)
    }
  } catch (err) {
    raw?.destroy() // already destroyed on every coded failure; this covers an unexpected exception
    if (deadline.aborted) throw deadline.error
    throw preTlsFailure(deadline.error ?? err, o.transport, record, raw?.bytesRead ?? 0)
  }

  // TLS is up. RFC 2595 §4: the client MUST discard cached capabilities and SHOULD re-issue CAPA;
  // only what is read from here on describes the server.
  let wire: Wire | undefined
  try {
    // Reached from `secureConnect` through promise continuations only: nothing has been read or sent
    // over TLS yet. Checkpoint 1 may first await this connection's TLSA answer (#15); until it passed no
    // reader is attached, so what the server sends meanwhile waits in the socket (bounded by its
    // high-water mark and TCP flow control), and nothing is written.
    deadline.enter('check')
    // TLS 1.3 (RFC 8446 §4.4.4): Node writes our Finished only after the callback that completed the
    // handshake returns, and this continuation runs inside it. The check waits one turn so Finished goes
    // first and the check overlaps the server's reply instead of delaying it (issue #17). Nothing is
    // read or written meanwhile; a socket closed meanwhile fails the check as before.
    await nextTurn()
    const secure = o.onSecure?.(socket, record.capsBeforeTls)
    if (secure !== undefined) await secure
    wire = new Wire(socket, o.transport === 'implicit-tls')
    if (o.transport === 'implicit-tls') {
      deadline.enter('greeting')
      const greeting = await readStatus(wire, 'greeting', o.timeouts.greetingMs)
      wire.endResponse()
      if (!greeting.ok) throw commandFailed('greeting', greeting)
    }
    deadline.enter('identify')
    const capsAfterTls = (await requestCapa(wire, o.timeouts.commandMs)) ?? []
    deadline.enter('check')
    await passGate(o, socket, wire, record, capsAfterTls)
    return { socket, wire, options: o, capsAfterTls }
  } catch (err) {
    if (wire === undefined) socket.destroy()
    else wire.destroy()
    // After TLS a stall is only a timeout: the handshake was already judged (onSecure).
    throw deadline.error ?? err
  }
}

/**
 * The cleartext half of STARTTLS (RFC 2595 §4, RFC 2449 §5): greeting → CAPA → STLS → handshake over
 * `raw` (does I/O). Fills `record` as it goes, so a failure at any step still reports what was seen.
 * Sends nothing but `CAPA` and `STLS` in cleartext; every way this can fail ends the session.
 * @throws StlsRefusal for the STARTTLS-specific refusals; Pop3Error for timeouts, framing, handshake.
 */
async function negotiateStls(
  raw: Socket,
  o: SessionConfig,
  record: PreTlsRecord,
  deadline: ConnectDeadline,
): Promise<TLSSocket> {
  const wire = new Wire(raw, true)
  enterStep(record, deadline, 'greeting')
  const greeting = await readStatus(wire, 'greeting', o.timeouts.greetingMs)
  wire.endResponse()
  record.greetingBeforeTls = safeText(greeting.text.toString('utf8'))
  if (!greeting.ok) {
    wire.destroy()
    throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 server greeting was negative', { step: 'greeting' })
  }

  enterStep(record, deadline, 'CAPA')
  const capa = (await requestCapa(wire, o.timeouts.commandMs)) ?? []
  if (capa.length > PRE_TLS_LIMITS.maxLines) {
    // More capability lines than any real server lists: a flood, never read on (the shared pre-TLS cap).
    wire.destroy()
    throw new StlsRefusal(
      'untagged_before_tls',
      'CAPA',
      'POP3 server listed more capabilities before TLS than the pre-TLS limit allows',
      [evidenceOf('overflow', capa.join('\r\n'))],
    )
  }
  record.capsBeforeTls = capa
  // RFC 2595 §4: a server that supports STLS lists it in CAPA. Its absence is stripping or a server
  // without TLS; both end the session (DEEP -04 §3.1, RFC 8314 §5.2). There is no cleartext fallback.
  if (!hasCapability(record.capsBeforeTls, 'STLS')) {
    wire.destroy()
    throw new StlsRefusal(
      'starttls_not_offered',
      'CAPA',
      'POP3 server did not offer STLS; refusing to continue without TLS',
    )
  }

  enterStep(record, deadline, 'STLS')
  wire.send('STLS')
  const reply = await readStatus(wire, 'STLS', o.timeouts.commandMs)
  if (!reply.ok) {
    wire.destroy()
    throw new StlsRefusal(
      'starttls_refused',
      'STLS',
      'POP3 server refused STLS; refusing to continue without TLS',
    )
  }

  // No await between reading "+OK" and releasing the socket, so no I/O callback can slip in between.
  // Anything already received past "+OK" was sent before the server could have seen our ClientHello:
  // it is injected cleartext (CERT VU#555316). Never parse it, never hand it to TLS; abort.
  const leftover = wire.releaseForTls()
  if (leftover.length > 0) {
    raw.destroy()
    throw new StlsRefusal(
      'bytes_after_starttls',
      'STLS',
      `POP3 server sent ${leftover.length} octet(s) after the STLS reply before the TLS handshake; possible injection`,
      [evidenceOf('bytes', leftover)],
    )
  }
  enterStep(record, deadline, 'handshake')
  return upgradeToTls(raw, o.tls, o.timeouts.handshakeMs, deadline)
}

/**
 * Issues `CAPA` (RFC 2449 §5) and returns the validated capability lines, or `undefined` if the server
 * answered `-ERR` (no CAPA support). The whole exchange shares one deadline. Does I/O.
 * @throws Pop3Error PROTOCOL (malformed or over-long line), TOO_LARGE (over 16 KiB), TIMEOUT, CLOSED.
 */
async function requestCapa(wire: Wire, timeoutMs: number): Promise<string[] | undefined> {
  const deadline = Date.now() + timeoutMs
  wire.send('CAPA')
  const status = await readStatus(wire, 'CAPA', timeoutMs)
  if (!status.ok) {
    wire.endResponse()
    return undefined
  }
  const left = Math.max(1, deadline - Date.now())
  const payload = await readBodyBuffer(wire, {
    step: 'CAPA',
    maxBytes: CAPA_RESPONSE_MAX,
    idleMs: left,
    totalMs: left,
  })
  wire.endResponse()
  return wire.check(() => parseCapaLines(splitLines(payload, CAPA_LINE_MAX)))
}

/**
 * The gate (house style H17): runs once, after TLS and the post-TLS CAPA, before any credential. A
 * refusal (throw or reject, sync or async) destroys the socket without another byte, not even QUIT,
 * and surfaces the gate's own error. Allowing is not enough: whoever decided must have recorded this
 * exact socket in the SDK-wide tripwire set, and that is asserted here and again before every
 * credential line (auth.ts).
 */
async function passGate(
  o: SessionConfig,
  socket: TLSSocket,
  wire: Wire,
  record: PreTlsRecord,
  capsAfterTls: readonly string[],
): Promise<void> {
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
  } finally {
    clearTimeout(timer)
  }
  // The server spoke out of turn or hung up while the gate ran: never continue on that stream.
  if (wire.failure !== undefined) throw wire.failure
  assertGatePassed(socket, 'POP3 connect')
}

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

// ─── The two sockets ────────────────────────────────────────────────────────────────────────────
// Both transports open TCP themselves, so the handshake always runs over a socket we own and the
// connect and handshake timers stay separate. Each socket is attached to the deadline the moment it
// exists, so a timeout or an abort destroys it even mid-connect or mid-handshake.

const noop = (): void => {}

/**
 * Opens TCP to `o.dial` (does I/O: DNS lookup and connect). `dial.lookup` replaces the system resolver
 * when given (a test resolver, an app's DNS-over-HTTPS): it only picks the address.
 * @throws Pop3Error CLOSED (refused, unreachable, DNS failure, destroyed by the deadline) or TIMEOUT
 *   after `timeoutMs`; the socket is destroyed in both cases.
 */
function openTcp(o: SessionConfig, timeoutMs: number, deadline: ConnectDeadline): Promise<Socket> {
  const { host, port, lookup } = o.dial
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, noDelay: true, ...(lookup === undefined ? {} : { lookup }) })
    socket.on('error', noop) // the Wire or the TLS layer reports errors once attached; never crash
    const settle = (err: Pop3Error | undefined): void => {
      clearTimeout(timer)
      socket.off('error', onError)
      socket.off('connect', onConnect)
      if (err === undefined) {
        resolve(socket)
        return
      }
      socket.destroy()
      reject(err)
    }
    const onConnect = (): void => settle(undefined)
    const onError = (cause: Error): void => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown'
      const message = `POP3 could not connect to ${host}:${port} (${code})`
      settle(new Pop3Error(Pop3ErrorCode.Closed, message, { cause, step: 'connect' }))
    }
    const timer = setTimeout(() => {
      const message = `POP3 connect to ${host}:${port} timed out after ${timeoutMs} ms`
      settle(new Pop3Error(Pop3ErrorCode.Timeout, message, { step: 'connect' }))
    }, timeoutMs)
    socket.once('connect', onConnect)
    socket.once('error', onError)
    deadline.attach(socket) // last: an already-fired deadline destroys it, and onError settles
  })
}

/**
 * Runs the TLS client handshake over `socket` (does I/O) and resolves on `secureConnect`. No `session`
 * is ever passed, so every connection does a full handshake with certificate verification (resumption
 * would skip checkServerIdentity). With `rejectUnauthorized: true` an untrusted chain or a name
 * mismatch fails here.
 * @throws Pop3Error TLS_UNAVAILABLE (`cause` is Node's error, whose `code` is e.g.
 *   `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) or TIMEOUT; both sockets are destroyed on failure.
 */
function upgradeToTls(
  socket: Socket,
  options: ConnectionOptions,
  handshakeMs: number,
  deadline: ConnectDeadline,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Defence in depth: neither source ever sets `session`, and it must stay that way.
    const { session: _never, ...withoutSession } = options
    const tlsSocket = tlsConnect({ ...withoutSession, socket })
    // Until the Wire attaches its own handler a few microtasks later, an error must not crash the process.
    tlsSocket.on('error', noop)
    const settle = (err: Pop3Error | undefined): void => {
      clearTimeout(timer)
      tlsSocket.off('secureConnect', onSecure)
      tlsSocket.off('error', onError)
      if (err === undefined) {
        resolve(tlsSocket)
        return
      }
      tlsSocket.destroy()
      socket.destroy()
      reject(err)
    }
    const onSecure = (): void => settle(undefined)
    const onError = (cause: Error): void => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown'
      const message = `POP3 TLS handshake failed (${code})`
      settle(new Pop3Error(Pop3ErrorCode.TlsUnavailable, message, { cause, step: 'handshake' }))
    }
    const timer = setTimeout(() => {
      const message = `POP3 TLS handshake timed out after ${handshakeMs} ms`
      settle(new Pop3Error(Pop3ErrorCode.Timeout, message, { step: 'handshake' }))
    }, handshakeMs)
    tlsSocket.once('secureConnect', onSecure)
    tlsSocket.once('error', onError)
    deadline.attach(tlsSocket)
  })
}
