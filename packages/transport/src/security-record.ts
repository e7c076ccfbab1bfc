// Emits the security record of each checked connection (issue #14): reads the TLS facts only the live
// socket knows (key-exchange group, leaf issuer, the server's IP address), and delivers the record on
// the `mua-sts:security-record` diagnostics channel and to the dispatcher's opt-in record sinks.
// Delivery never throws and never changes a decision (house style H19).
import diagnostics_channel from 'node:diagnostics_channel'
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls'
import {
  type BuildSecurityRecordInput,
  buildSecurityRecord,
  ISO_TIME_PATTERN,
  type SecurityRecord,
  type SocketFacts,
} from '@mua-sts/core'
import { SECURITY_RECORD_CHANNEL } from '@mua-sts/reports'
import type { TlsParams } from './tls-params.js'

const recordChannel = diagnostics_channel.channel(SECURITY_RECORD_CHANNEL)

type RecordReceiver = {
  dispatchRecord?: (record: SecurityRecord) => void
  /** ReportDispatcher's: false while it has no record sink. Absent: assumed to receive. */
  readonly receivesRecords?: boolean
}

/** True when a record given now reaches someone: a channel subscriber, or a receiver with sinks. */
function receivedNow(reports: RecordReceiver | undefined): boolean {
  if (recordChannel.hasSubscribers) return true
  return typeof reports?.dispatchRecord === 'function' && reports.receivesRecords !== false
}

function isTlsSocket(socket: unknown): socket is TLSSocket {
  return (
    typeof socket === 'object' &&
    socket !== null &&
    typeof (socket as TLSSocket).getEphemeralKeyInfo === 'function' &&
    typeof (socket as TLSSocket).getPeerCertificate === 'function'
  )
}

// ─── The leaf the handshake already converted ───────────────────────────────────────────────────
// Node converts the peer's certificates to a JavaScript object (getPeerCertificate(true)) once per
// handshake, right before it calls `checkServerIdentity` with it. Converting the leaf again for its
// issuer (getPeerCertificate(false)) cost about as much as the rest of the record (issue #17). So the
// Guard's TLS options keep the object Node passed (recordHandshakeLeaf), the observation of the socket
// ties it to that socket (bindHandshakeLeaf), and the record reads its issuer: the same X.509 name of
// the same certificate, which getPeerCertificate(false) would only build a second time.

// Per connection (a TlsParams serves one connection): the leaf its identity callback was given.
const leafOfParams = new WeakMap<TlsParams, PeerCertificate>()
// Per TLS socket: the leaf of its own handshake, bound when the socket was observed.
const leafOfSocket = new WeakMap<TLSSocket, PeerCertificate>()

/**
 * Wraps `params`' identity callback so that it also keeps the certificate object Node hands it. The
 * callback's verdict is unchanged (the wrapped one decides). Call once, before the handshake.
 */
export function recordHandshakeLeaf(params: TlsParams): void {
  const inner: NonNullable<ConnectionOptions['checkServerIdentity']> =
    params.options.checkServerIdentity ?? checkServerIdentity
  params.options.checkServerIdentity = (hostname, cert) => {
    leafOfParams.set(params, cert)
    return inner(hostname, cert)
  }
}

/**
 * Ties the leaf recorded for `params` to `socket`, whose handshake used them. Only when the callback
 * accepted this very handshake: Node sets `authorized` only after `checkServerIdentity` returned no
 * error for the certificate of this socket, and skips the callback only on resumption (the SDK never
 * offers a session), so the recorded object is this socket's. Otherwise nothing is bound and the
 * record reads the socket as before. Does no I/O.
 */
export function bindHandshakeLeaf(socket: TLSSocket, params: TlsParams): void {
  const leaf = leafOfParams.get(params)
  if (leaf !== undefined && socket.authorized && !socket.isSessionReused()) leafOfSocket.set(socket, leaf)
}

/** Issuer DN of the leaf as `CN=…, O=…` (other attributes are left out). */
function issuerOf(socket: TLSSocket): string | undefined {
  const leaf = leafOfSocket.get(socket) ?? socket.getPeerCertificate(false)
  const issuer = leaf?.issuer as unknown as Record<string, unknown> | undefined
  if (issuer === undefined || issuer === null) return undefined
  const parts: string[] = []
  for (const key of ['CN', 'O']) {
    const v = issuer[key]
    const text = Array.isArray(v) ? v.join('+') : v
    if (typeof text === 'string' && text !== '') parts.push(`${key}=${text}`)
  }
  return parts.length === 0 ? undefined : parts.join(', ')
}

// ─── Facts read at an interim checkpoint ────────────────────────────────────────────────────────
// POP3 checks right after the handshake and again after CAPA (issue #17). The facts below (group, leaf
// issuer, peer address) belong to the handshake. The first check reads them while the client waits for
// the greeting, so the second, which stands between CAPA and the first credential, does not read them
// again. A TLS 1.2 renegotiation completes with 'secure' once more: they are then dropped and read
// afresh, as the observation itself always is.
const factsOfSocket = new WeakMap<TLSSocket, SocketFacts>()

/** Reads `socket`'s facts now for the record of a later check on it. Reads the socket; never throws. */
export function rememberSocketFacts(socket: unknown): void {
  if (!isTlsSocket(socket) || socket.destroyed || factsOfSocket.has(socket)) return
  factsOfSocket.set(socket, readSocketFacts(socket))
  socket.once('secure', () => factsOfSocket.delete(socket))
}

/**
 * What a live TLS socket says beyond the observation. Reads the socket (or what rememberSocketFacts
 * read of this handshake); sends nothing; never throws (a destroyed or non-TLS socket gives nothing).
 */
export function socketFacts(socket: unknown): SocketFacts {
  if (!isTlsSocket(socket) || socket.destroyed) return {}
  return factsOfSocket.get(socket) ?? readSocketFacts(socket)
}

function readSocketFacts(socket: TLSSocket): SocketFacts {
  const out: { group?: string; issuer?: string; remoteAddress?: string } = {}
  try {
    // Node exposes the ephemeral key only on the client side; for TLS 1.3 it is the negotiated group.
    const key = socket.getEphemeralKeyInfo() as { name?: unknown } | null
    if (key !== null && typeof key.name === 'string') out.group = key.name
    const issuer = issuerOf(socket)
    if (issuer !== undefined) out.issuer = issuer
    if (typeof socket.remoteAddress === 'string') out.remoteAddress = socket.remoteAddress
  } catch {
    // A socket torn down mid-read: keep what was read.
  }
  return out
}

/**
 * Builds the record (buildSecurityRecord validates it against its schema and throws
 * MUASTS_ERR_INTERNAL if it does not parse: a seam returning a bad id or time) and delivers it.
 */
export function recordNow(
  input: BuildSecurityRecordInput,
  reports: RecordReceiver | undefined,
): SecurityRecord {
  const record = buildSecurityRecord(input)
  emitSecurityRecord(record, reports)
  return record
}

/**
 * A passed check with its record. Validating a record against its schema was a measurable share of a
 * loopback connect (issue #17), and most passing records are never read. So when nothing receives
 * records at this moment (no channel subscriber, no dispatcher), the record is built on the first read
 * of `record` instead: the same record, since `input` already holds its id, time and socket facts, and
 * nobody missed a delivery. The clock seam's time is the one input the SDK does not produce itself; a
 * time the schema refuses is built at once, so the check fails then, as it always did. A
 * ReportDispatcher receives records only while it has a record sink (records are opt-in); a sink added
 * after the check does not get this record, as before.
 */
export function passedWithRecord(
  input: BuildSecurityRecordInput,
  reports: RecordReceiver | undefined,
): { readonly ok: true; readonly record: SecurityRecord } {
  // The schema's own pattern, tested directly: a zod parse here cost more than the rest of the pass.
  if (receivedNow(reports) || typeof input.now !== 'string' || !ISO_TIME_PATTERN.test(input.now))
    return { ok: true, record: recordNow(input, reports) }
  let built: SecurityRecord | undefined
  return {
    ok: true,
    get record(): SecurityRecord {
      built ??= buildSecurityRecord(input)
      return built
    },
  }
}

/** Publishes `record` on the diagnostics channel and hands it to the dispatcher's record sinks. */
export function emitSecurityRecord(record: SecurityRecord, reports: RecordReceiver | undefined): void {
  if (recordChannel.hasSubscribers) {
    try {
      recordChannel.publish(record)
    } catch (error) {
      process.emitWarning(`mua-sts: security-record subscriber threw: ${String(error)}`, 'MuaStsWarning')
    }
  }
  try {
    reports?.dispatchRecord?.(record)
  } catch (error) {
    process.emitWarning(`mua-sts: record sink threw: ${String(error)}`, 'MuaStsWarning')
  }
}
