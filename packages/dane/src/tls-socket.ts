// The thin adapter between a live `TLSSocket` and the pure matcher. Reads the socket; sends nothing.
import type { PeerCertificate, TLSSocket } from 'node:tls'
import { type DaneOutcome, daneOutcome } from './dane-outcome.js'
import type { TlsaLookup } from './tlsa-answer.js'

// The same bound the matcher applies; reading further only costs memory.
const MAX_CHAIN = 10

/**
 * The chain as DER, leaf first, of a detailed peer certificate: what `getPeerCertificate(true)` returns
 * and what Node hands `checkServerIdentity`. Node builds it from the chain the server sent and, when the
 * last certificate's issuer is in the local trust store, appends that issuer; the walk stops at a
 * self-issued certificate (whose `issuerCertificate` is itself). Empty for undefined or `{}`.
 */
export function certificateChainDer(peer: PeerCertificate | undefined): Uint8Array[] {
  const chain: Uint8Array[] = []
  const seen = new Set<PeerCertificate>()
  let cert: PeerCertificate | undefined = peer
  while (cert?.raw !== undefined && !seen.has(cert) && chain.length < MAX_CHAIN) {
    seen.add(cert)
    chain.push(Uint8Array.from(cert.raw))
    const next = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate
    if (next === cert || next?.raw === undefined || Buffer.from(next.raw).equals(cert.raw)) break
    cert = next
  }
  return chain
}

/**
 * The peer's certificate chain as DER, leaf first (`certificateChainDer` of `getPeerCertificate(true)`).
 * Empty when the socket has no peer certificate (closed, or no handshake yet).
 */
export function peerChainDer(socket: TLSSocket): Uint8Array[] {
  if (socket.destroyed) return []
  return certificateChainDer(socket.getPeerCertificate(true) as PeerCertificate | undefined)
}

export type SocketDaneOptions = {
  /** Names the leaf must carry for usage 2 records. Default: the TLSA base host of the lookup. */
  readonly referenceNames?: readonly string[]
  /**
   * The PKIX + RFC 7817 verdict for this connection, needed by usages 0 and 1. Default
   * `socket.authorized`, which covers both when Node ran its own identity check.
   */
  readonly pkixValid?: boolean
  /** Default: the current time. */
  readonly now?: Date
}

/** `_993._tcp.mail.example.net` → `mail.example.net` */
const baseHost = (tlsaName: string): string => tlsaName.split('.').slice(2).join('.')

/**
 * DANE verdict for a socket whose handshake completed, given its TLSA lookup (usually the pending
 * `prefetchTlsa(…).lookup`). The chain and `socket.authorized` are read at once, before waiting for the
 * lookup, so a server that hangs up meanwhile cannot empty them. Reads the socket; sends nothing.
 * Rejects only as the lookup does (`MUASTS_ERR_ABORTED`).
 */
export async function daneOutcomeForSocket(
  socket: TLSSocket,
  lookup: TlsaLookup | PromiseLike<TlsaLookup>,
  options: SocketDaneOptions = {},
): Promise<DaneOutcome> {
  const chain = peerChainDer(socket)
  const pkixValid = options.pkixValid ?? socket.authorized
  const now = options.now ?? new Date()
  const settled = await lookup
  return daneOutcome(settled, chain, {
    referenceNames: options.referenceNames ?? [baseHost(settled.name)],
    pkixValid,
    now,
  })
}
