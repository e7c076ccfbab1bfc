// The enforcement point (integration notes §1.3): imapflow's `transport` option. imapflow does nothing
// on a new socket until we call onConnect / onSecure, so the guard checks the live TLSSocket first and
// imapflow never writes a post-TLS byte (CAPABILITY, ID, LOGIN, AUTHENTICATE) on a refused one.
// Every TLS option comes from the commitment (guard.tlsParams); imapflow's own `tls` is ignored.
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type TLSSocket } from 'node:tls'
import { ErrorCode, isSdkError, SdkError, toSdkError } from '@mua-sts/core'
import { type DeferredRefusal, daneReady } from '@mua-sts/transport'
import type { ImapTransport, ImapTransportConnectOptions, ImapTransportSocket } from 'imapflow'
import { sendFailureReport } from './in-band.js'
import type { ImapSession } from './session.js'

/**
 * What the transport destroys a refused socket with, so that imapflow rejects connect() at once.
 * Never reaches the app: connectImap throws the session's recorded failure instead.
 */
export class GuardRefusal extends Error {
  readonly code = 'MUASTS_GUARD_REFUSED'
  constructor() {
    super('connection refused by the mua-sts guard')
  }
}

// Errors from TLS itself (OpenSSL, Node's TLS layer, certificate verification) are handshake failures
// and get a report; a socket-level error (ECONNRESET, EPIPE, ETIMEDOUT…) during the handshake is a
// connection error (issue #13 item 3: an outage must not read like an attack). Plaintext where a TLS
// record belongs (ERR_SSL_WRONG_VERSION_NUMBER) is a handshake failure, "the server did not speak TLS",
// never bytes_after_starttls: those bytes arrived after the ClientHello was sent.
const TLS_ERROR_RE =
  /^(?:ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)/
function isTlsError(error: unknown): boolean {
  return TLS_ERROR_RE.test(String((error as { code?: unknown } | undefined)?.code ?? ''))
}

// imapflow's own listeners handle socket errors; this one only makes sure that an error emitted after
// imapflow detached (e.g. our delayed destroy after an in-band report) cannot become an uncaught
// exception in the app's (Electron main) process.
function ignoreLateErrors<S extends Socket>(socket: S): S {
  return socket.on('error', () => undefined)
}

// Nothing reportable (an SPKI pin only, a mode that forbids it): nothing at all crosses the session
// after the handshake. Otherwise the exchange runs and the report is settled with what it wrote.
function refuse(session: ImapSession, socket: TLSSocket, refusal: DeferredRefusal, greets: boolean): void {
  const pending = session.beginRefusal(refusal)
  if (refusal.inBand === null) {
    session.settleRefusal()
    socket.destroy(new GuardRefusal())
    return
  }
  void sendFailureReport(socket, refusal.inBand.idFields, {
    awaitGreeting: greets,
    timeoutMs: session.inBandTimeoutMs,
    mayWrite: pending.mayWrite,
    onIdSent: pending.idSent,
  }).then(() => {
    session.settleRefusal()
    socket.destroy(new GuardRefusal())
  })
}

/** Checks the handshake outcome, then hands the socket to imapflow or refuses it. */
function gate(
  session: ImapSession,
  socket: TLSSocket,
  mode: 'implicit-tls' | 'starttls',
  proceed: () => void,
): void {
  let tcpUp = mode === 'starttls'
  socket.once('connect', () => {
    tcpUp = true
  })
  // TCP-level failures (refused, unreachable, reset) are connection errors, decided by connectImap;
  // a TLS error after TCP is up and before the handshake completed is a handshake failure with a report.
  const onError = (error: unknown): void => {
    if (!tcpUp || error instanceof GuardRefusal || !isTlsError(error)) return
    session.handshakeFailed(error, mode)
  }
  socket.on('error', onError)
  socket.once('secureConnect', () => {
    socket.off('error', onError)
    // The TLSA answer, if this connection checks DANE and it is not in yet (#15): imapflow has not been
    // handed the socket, so nothing crosses the session while it is awaited.
    session.deadline.enter('check')
    const dane = daneReady(session.params.dane, socket)
    if (dane === undefined) judge(session, socket, mode, proceed)
    else void dane.then(() => judge(session, socket, mode, proceed))
  })
}

/** The check of a completed handshake (after its TLSA answer); proceeds, or refuses the socket. */
function judge(
  session: ImapSession,
  socket: TLSSocket,
  mode: 'implicit-tls' | 'starttls',
  proceed: () => void,
): void {
  let r: ReturnType<ImapSession['checkSecure']>
  try {
    r = session.checkSecure(socket, mode)
  } catch (error) {
    // The socket closed before its TLS facts could be read (a connection error), or an app-supplied
    // seam (clock, id, sink object) threw inside the check. Fail closed without crashing the
    // (Electron main) process: this listener runs outside any promise chain.
    if (isSdkError(error, ErrorCode.Connection)) session.connectionFailed(error)
    else session.fail(toSdkError(error))
    socket.destroy(new GuardRefusal())
    return
  }
  if (r.ok) proceed()
  else refuse(session, socket, r, mode === 'implicit-tls')
}

function connectImplicit(session: ImapSession, onConnect: () => void): TLSSocket {
  // RFC 8314 §3.3: TLS starts before any IMAP byte; no `session` option, so no resumption.
  const socket = session.deadline.attach(ignoreLateErrors(connectTls({ ...session.params.options })))
  socket.once('connect', () => session.deadline.enter('handshake'))
  gate(session, socket, 'implicit-tls', onConnect)
  return socket
}

/** The cleartext leg's taps, removed when the socket is handed to TLS. */
type Taps = { readonly onData: (b: Buffer) => void; readonly stopWriteTap: () => void }

// Phase of a STARTTLS connection from what the scanner has seen (the deadline names it on expiry).
function cleartextPhase(session: ImapSession): void {
  const s = session.scanner
  // A BYE greeting is the server refusing at the greeting: the phase stays `greeting`.
  if (s.greeting === 'OK' || s.greeting === 'PREAUTH')
    session.deadline.enter(s.starttlsSent ? 'starttls' : 'capabilities')
}

// Every command imapflow writes before TLS goes through socket.write (one line per write, imapflow
// 2.10.2 `write()`); the scanner needs them to tell a solicited reply from an injected one.
function tapWrites(session: ImapSession, socket: Socket): () => void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  let tapping = true
  socket.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (tapping && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      session.scanner.clientWrote(chunk)
      cleartextPhase(session)
    }
    return write(chunk, ...rest)
  }) as Socket['write']
  return () => {
    tapping = false
  }
}

function connectCleartext(session: ImapSession, onConnect: () => void, plain: WeakMap<object, Taps>): Socket {
  const { host, port } = session.commitment.endpoint
  // Same resolver as the TLS leg (TrustOptions.lookup); the certificate is still checked against `host`.
  const lookup = session.params.options.lookup
  const socket = session.deadline.attach(
    ignoreLateErrors(connectTcp({ host, port, ...(lookup === undefined ? {} : { lookup }) })),
  )
  // Registered before imapflow pipes the socket, so every chunk is scanned before imapflow parses it.
  const onData = (chunk: Buffer): void => {
    const r = session.scanner.push(chunk)
    cleartextPhase(session)
    if (r.protocolError !== undefined) {
      session.fail(
        new SdkError(
          ErrorCode.Protocol,
          `The IMAP server sent malformed data before TLS (${r.protocolError}); the connection was closed before any credential was sent.`,
        ),
      )
    } else if (r.anomalies.length > 0) {
      session.refusePreTls(session.scanner.anomalies)
    } else return
    socket.destroy(new GuardRefusal())
  }
  socket.on('data', onData)
  plain.set(socket, { onData, stopWriteTap: tapWrites(session, socket) })
  socket.once('connect', () => session.deadline.enter('greeting'))
  socket.once('connect', onConnect)
  return socket
}

function upgrade(
  session: ImapSession,
  raw: ImapTransportSocket,
  onSecure: () => void,
  plain: WeakMap<object, Taps>,
): TLSSocket {
  const taps = plain.get(raw)
  if (taps !== undefined) {
    raw.off('data', taps.onData)
    taps.stopWriteTap()
  }
  session.deadline.enter('handshake')
  if (session.commitment.endpoint.transport === 'implicit-tls') {
    // RFC 8314 §3: a STARTTLS session to an implicit-TLS commitment is a downgrade, whatever follows.
    session.refusePreTls([], 'starttls')
  } else if (!session.scanner.readyForHandshake()) {
    const anomalies = session.scanner.anomalies
    if (anomalies.length > 0) session.refusePreTls(anomalies)
    else
      session.fail(
        new SdkError(
          ErrorCode.Protocol,
          "The IMAP server's STARTTLS exchange was out of order (upgrade before its OK reply); the connection was closed before any credential was sent.",
        ),
      )
  }
  if (taps === undefined) {
    session.fail(new SdkError(ErrorCode.Internal, 'STARTTLS upgrade on a socket the guard did not open'))
  }
  if (session.failure !== undefined) {
    ;(raw as Socket).destroy(new GuardRefusal())
    throw new GuardRefusal()
  }
  const socket = session.deadline.attach(
    ignoreLateErrors(connectTls({ ...session.params.options, socket: raw as Socket })),
  )
  gate(session, socket, 'starttls', onSecure)
  return socket
}

/**
 * The ImapTransport for one guarded connection. Connects only to the committed endpoint in the
 * committed mode; refuses (throws) if imapflow asks for anything else.
 */
export function guardedTransport(session: ImapSession): ImapTransport {
  const plain = new WeakMap<object, Taps>()
  const committed = session.commitment.endpoint
  return {
    connect(options: ImapTransportConnectOptions, onConnect: () => void): ImapTransportSocket {
      const wantsTls = committed.transport === 'implicit-tls'
      if (options.secure !== wantsTls || options.host !== committed.host || options.port !== committed.port) {
        throw new SdkError(ErrorCode.Internal, 'imapflow asked for a destination other than the commitment')
      }
      return wantsTls ? connectImplicit(session, onConnect) : connectCleartext(session, onConnect, plain)
    },
    prepareUpgrade(): void {
      session.scanner.expectStarttlsReply()
    },
    upgrade(raw, _options, onSecure): ImapTransportSocket {
      return upgrade(session, raw, onSecure, plain)
    },
  }
}
