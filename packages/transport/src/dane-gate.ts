// DANE inside the shared gate (issue #15), for every guarded protocol at once: the TLSA lookup starts
// when the connection's TLS parameters are made (before any dialing), the dial waits for it beside the
// address lookup, and the observation carries its outcome. Nothing here decides: core's DANE and
// certificate rules do.
import { lookup as systemLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import { type Commitment, daneOnly, matchServerIdentity, parseSubjectAltName } from '@mua-sts/core'
import {
  type DaneStatus,
  daneOutcome,
  peerChainDer,
  prefetchTlsa,
  TlsaCache,
  type TlsaLookup,
  tlsaQueryName,
  type ValidatingResolver,
} from '@mua-sts/dane'
import { spkiSha256 } from './spki.js'

/** Per-connection DANE state, filled while dialing and read by observeSecureSocket(). */
export type DaneState = {
  /** The settled TLSA lookup, once the dial has waited for it; undefined while pending or if aborted. */
  lookup?: TlsaLookup
  /** Clock for DANE-TA validity checks (the guard's `now` seam). */
  readonly now: () => Date
  /**
   * True when the handshake must not refuse a chain no CA vouches for, because the commitment asks
   * for DANE alone (core `daneOnly`). PKIX stays enforced inside the handshake for every other one.
   */
  readonly relaxPkix: boolean
}

// One process-wide cache of secure TLSA answers (per resolver and name, for their TTL, at most five
// minutes): a reconnect to a server whose records just validated does not wait for DNS again.
const TLSA_CACHE = new TlsaCache()

/** True when `host` can carry TLSA records (a DNS name, not an IP literal). */
function tlsaCapable(host: string, port: number): boolean {
  try {
    tlsaQueryName({ host, port })
    return true
  } catch {
    return false
  }
}

/**
 * Starts the TLSA lookup for the committed endpoint now and returns the state plus a `lookup` for the
 * dial: it resolves the address (with `base`, or the system resolver) and calls back only once the
 * TLSA lookup settled too, so both run concurrently and a warm resolver adds no serial round trip.
 * Undefined when no resolver is configured or the endpoint is an IP literal. Does I/O (DNS).
 */
export function startDane(
  c: Commitment,
  resolver: ValidatingResolver | undefined,
  base: LookupFunction | undefined,
  now: () => Date,
): { state: DaneState; lookup: LookupFunction } | undefined {
  const { host, port } = c.endpoint
  if (resolver === undefined || !tlsaCapable(host, port)) return undefined
  const tlsa = prefetchTlsa({ host, port }, { resolver, cache: TLSA_CACHE })
  const state: DaneState = { now, relaxPkix: daneOnly(c) }
  const addressLookup = (base ?? systemLookup) as LookupFunction
  const lookup: LookupFunction = (hostname, options, callback) => {
    let address: Parameters<typeof callback> | undefined
    let tlsaDone = false
    const finish = (): void => {
      if (address !== undefined && tlsaDone) callback(...address)
    }
    tlsa.lookup.then(
      (l) => {
        state.lookup = l
      },
      () => {},
    )
    tlsa.lookup
      .finally(() => {
        tlsaDone = true
        finish()
      })
      .catch(() => {})
    addressLookup(hostname, options, (...args: Parameters<typeof callback>) => {
      address = args
      // A failed address lookup fails the dial at once; the TLSA answer no longer matters.
      if (args[0] !== null && args[0] !== undefined) {
        tlsa.cancel()
        callback(...args)
        return
      }
      finish()
    })
  }
  return { state, lookup }
}

export type DaneFacts = {
  readonly dane: { readonly status: DaneStatus }
  /** For a chain Node did not verify, the identity facts its checkServerIdentity never produced. */
  readonly identity?: { nameMatch: boolean; matchedIdentity?: string; spkiSha256?: string }
}

/**
 * The DANE facts of a completed handshake, or undefined when no DANE check ran. Reads the socket;
 * sends nothing. `pkixValid` is the handshake's PKIX + RFC 7817 verdict (usages 0 and 1 need it).
 */
export function observeDane(
  socket: TLSSocket,
  state: DaneState | undefined,
  host: string,
  pkixValid: boolean,
): DaneFacts | undefined {
  if (state?.lookup === undefined) return undefined
  const chain = peerChainDer(socket)
  const outcome = daneOutcome(state.lookup, chain, { referenceNames: [host], pkixValid, now: state.now() })
  if (socket.authorized) return { dane: { status: outcome.status } }
  // Node skips checkServerIdentity for an unverified chain: do the RFC 7817 check here, so a DANE-only
  // session still reports (and may latch on) an honest name match.
  const leaf = socket.getPeerCertificate() as PeerCertificate | undefined
  if (leaf?.raw === undefined) return { dane: { status: outcome.status } }
  const m = matchServerIdentity([host], {
    ...parseSubjectAltName(leaf.subjectaltname),
    commonName: typeof leaf.subject?.CN === 'string' ? leaf.subject.CN : undefined,
  })
  const identity: NonNullable<DaneFacts['identity']> = { nameMatch: m.match }
  if (m.match) identity.matchedIdentity = m.identity
  try {
    identity.spkiSha256 = spkiSha256(leaf.raw)
  } catch {
    // Unparseable key: left unknown; a pinned commitment then fails closed.
  }
  return { dane: { status: outcome.status }, identity }
}
