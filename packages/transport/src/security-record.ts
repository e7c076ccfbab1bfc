// Emits the security record of each checked connection (issue #14): reads the TLS facts only the live
// socket knows (key-exchange group, leaf issuer, the server's IP address), and delivers the record on
// the `mua-sts:security-record` diagnostics channel and to the dispatcher's opt-in record sinks.
// Delivery never throws and never changes a decision (house style H19).
import diagnostics_channel from 'node:diagnostics_channel'
import type { TLSSocket } from 'node:tls'
import type { SecurityRecord, SocketFacts } from '@mua-sts/core'
import { SECURITY_RECORD_CHANNEL } from '@mua-sts/reports'

const recordChannel = diagnostics_channel.channel(SECURITY_RECORD_CHANNEL)

type RecordReceiver = { dispatchRecord?: (record: SecurityRecord) => void }

function isTlsSocket(socket: unknown): socket is TLSSocket {
  return (
    typeof socket === 'object' &&
    socket !== null &&
    typeof (socket as TLSSocket).getEphemeralKeyInfo === 'function' &&
    typeof (socket as TLSSocket).getPeerCertificate === 'function'
  )
}

/** Issuer DN of the leaf as `CN=…, O=…` (other attributes are left out). */
function issuerOf(socket: TLSSocket): string | undefined {
  const issuer = socket.getPeerCertificate(false)?.issuer as unknown as Record<string, unknown> | undefined
  if (issuer === undefined || issuer === null) return undefined
  const parts: string[] = []
  for (const key of ['CN', 'O']) {
    const v = issuer[key]
    const text = Array.isArray(v) ? v.join('+') : v
    if (typeof text === 'string' && text !== '') parts.push(`${key}=${text}`)
  }
  return parts.length === 0 ? undefined : parts.join(', ')
}

/**
 * What a live TLS socket says beyond the observation. Reads the socket; sends nothing; never throws
 * (a destroyed or non-TLS socket gives what it still knows, possibly nothing).
 */
export function socketFacts(socket: unknown): SocketFacts {
  if (!isTlsSocket(socket) || socket.destroyed) return {}
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
