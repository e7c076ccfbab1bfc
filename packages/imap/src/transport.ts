// The enforcement point (integration notes §1.3): imapflow's `transport` option. imapflow does nothing
// on a new socket until we call onConnect / onSecure, so the guard checks the live TLSSocket first and
// imapflow never writes a post-TLS byte (CAPABILITY, ID, LOGIN, AUTHENTICATE) on a refused one.
// Every TLS option comes from the commitment (guard.tlsParams); imapflow's own `tls` is ignored.
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type TLSSocket } from 'node:tls'
import { ErrorCode, type InBand, SdkError, toSdkError } from '@mua-sts/core'
import type { ImapTransport, ImapTransportConnectOptions, ImapTransportSocket } from 'imapflow'
import { sendLatchFailure } from './in-band.js'
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

// OpenSSL's verdict when the peer's first bytes are not a TLS record. After "OK Begin TLS" that means
// plaintext followed the reply: the STARTTLS response-injection class (RFC 9051 §6.2.1).
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG'])
function notTls(error: unknown): boolean {
  return NOT_TLS_CODES.has(String((error as { code?: unknown } | undefined)?.code))
}

// imapflow's own listeners handle socket errors; this one only makes sure that an error emitted after
// imapflow detached (e.g. our delayed destroy after an in-band report) cannot become an uncaught
// exception in the app's (Electron main) process.
function ignoreLateErrors<S extends Socket>(socket: S): S {
  return socket.on('error', () => undefined)
}

function refuse(session: ImapSession, socket: TLSSocket, inBand: InBand | null, greets: boolean): void {
  if (inBand === null) {
    socket.destroy(new GuardRefusal())
    return
  }
  const timeoutMs = session.inBandTimeoutMs
  void sendLatchFailure(socket, inBand.idFields, { awaitGreeting: greets, timeoutMs }).then(() =>
    socket.destroy(new GuardRefusal()),
  )
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
  // TCP-level failures (refused, unreachable) are plain connection errors; anything after TCP is up
  // and before the handshake completed is a TLS failure and gets a report.
  const onError = (error: unknown): void => {
    if (!tcpUp || error instanceof GuardRefusal) return
    session.handshakeFailed(error, mode, mode === 'starttls' && notTls(error) ? ['bytes_after_starttls'] : [])
  }
  socket.on('error', onError)
  socket.once('secureConnect', () => {
    socket.off('error', onError)
    let r: ReturnType<ImapSession['checkSecure']>
    try {
      r = session.checkSecure(socket, mode)
    } catch (error) {
      // An app-supplied seam (clock, id, sink object) threw inside the check. Fail closed without
      // crashing the (Electron main) process: this listener runs outside any promise chain.
      session.fail(toSdkError(error))
      socket.destroy(new GuardRefusal())
      return
    }
    if (r.ok) proceed()
    else refuse(session, socket, r.inBand, mode === 'implicit-tls')
  })
}

function connectImplicit(session: ImapSession, onConnect: () => void): TLSSocket {
  // RFC 8314 §3.3: TLS starts before any IMAP byte; no `session` option, so no resumption.
  const socket = ignoreLateErrors(connectTls({ ...session.params.options }))
  gate(session, socket, 'implicit-tls', onConnect)
  return socket
}

function connectCleartext(
  session: ImapSession,
  onConnect: () => void,
  plain: WeakMap<object, (b: Buffer) => void>,
): Socket {
  const { host, port } = session.commitment.endpoint
  // Same resolver as the TLS leg (TrustOptions.lookup); the certificate is still checked against `host`.
  const lookup = session.params.options.lookup
  const socket = ignoreLateErrors(connectTcp({ host, port, ...(lookup === undefined ? {} : { lookup }) }))
  // Registered before imapflow pipes the socket, so every chunk is scanned before imapflow parses it.
  const onData = (chunk: Buffer): void => {
    const r = session.scanner.push(chunk)
    if (r.protocolError !== undefined) {
      session.fail(
        new SdkError(ErrorCode.Protocol, `IMAP server sent malformed data before TLS: ${r.protocolError}`),
      )
    } else if (r.anomalies.length > 0) {
      session.refusePreTls(session.scanner.anomalies)
    } else return
    socket.destroy(new GuardRefusal())
  }
  socket.on('data', onData)
  plain.set(socket, onData)
  socket.once('connect', onConnect)
  return socket
}

function upgrade(
  session: ImapSession,
  raw: ImapTransportSocket,
  onSecure: () => void,
  plain: WeakMap<object, (b: Buffer) => void>,
): TLSSocket {
  const onData = plain.get(raw)
  if (onData !== undefined) raw.off('data', onData)
  if (session.commitment.endpoint.transport === 'implicit-tls') {
    // RFC 8314 §3: a STARTTLS session to an implicit-TLS commitment is a downgrade, whatever follows.
    session.refusePreTls([], 'starttls')
  } else if (!session.scanner.readyForHandshake()) {
    const anomalies = session.scanner.anomalies
    if (anomalies.length > 0) session.refusePreTls(anomalies)
    else
      session.fail(
        new SdkError(ErrorCode.Protocol, 'STARTTLS upgrade requested before its OK reply was seen'),
      )
  }
  if (onData === undefined) {
    session.fail(new SdkError(ErrorCode.Internal, 'STARTTLS upgrade on a socket the guard did not open'))
  }
  if (session.failure !== undefined) {
    ;(raw as Socket).destroy(new GuardRefusal())
    throw new GuardRefusal()
  }
  const socket = ignoreLateErrors(connectTls({ ...session.params.options, socket: raw as Socket }))
  gate(session, socket, 'starttls', onSecure)
  return socket
}

/**
 * The ImapTransport for one guarded connection. Connects only to the committed endpoint in the
 * committed mode; refuses (throws) if imapflow asks for anything else.
 */
export function guardedTransport(session: ImapSession): ImapTransport {
  const plain = new WeakMap<object, (b: Buffer) => void>()
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
