// DANE inside the shared gate (issue #15), for every guarded protocol at once: the TLSA lookup starts
// when the connection's TLS parameters are made (before any dialing), the dial waits for it beside the
// address lookup unless the answer is already cached, and the observation carries its outcome. Nothing
// here decides: core's DANE and certificate rules do.
//
// Per-connection cost (#15 benchmark, docs/benchmarks.md): a cached TLSA answer is used synchronously,
// the chain is the one Node already built for `checkServerIdentity` (building it again costs about as
// much as a loopback round trip), and the matcher reuses parsed certificates (@mua-sts/dane cert-facts).
import { lookup as systemLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls'
import {
  type Commitment,
  daneOnly,
  ErrorCode,
  isSdkError,
  matchServerIdentity,
  parseSubjectAltName,
} from '@mua-sts/core'
import {
  certificateChainDer,
  type DaneStatus,
  daneOutcome,
  prefetchTlsa,
  TlsaCache,
  type TlsaLookup,
  type TlsaPrefetch,
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
  /**
   * The detailed peer certificate Node passed to `checkServerIdentity` in this connection's handshake
   * (see recordHandshakePeer); read only when that handshake's verdict says the callback ran.
   */
  handshakePeer?: PeerCertificate
}

// One process-wide cache of secure TLSA answers (per resolver and name, for their TTL, at most five
// minutes): a reconnect to a server whose records just validated does not wait for DNS again.
const TLSA_CACHE = new TlsaCache()

/** Starts the lookup; undefined when `host` cannot carry TLSA records (an IP literal, not a DNS name). */
function prefetch(host: string, port: number, resolver: ValidatingResolver): TlsaPrefetch | undefined {
  try {
    return prefetchTlsa({ host, port }, { resolver, cache: TLSA_CACHE })
  } catch (error) {
    if (isSdkError(error) && error.code === ErrorCode.InvalidOption) return undefined
    throw error
  }
}

/**
 * Starts the TLSA lookup for the committed endpoint now and returns the state plus a `lookup` for the
 * dial. With the answer cached, `state.lookup` is set at once and the dial's `lookup` is the address
 * lookup itself. Otherwise the dial's `lookup` resolves the address (with `base`, or the system
 * resolver) and calls back only once the TLSA lookup settled too, so both run concurrently. Undefined
 * when no resolver is configured or the endpoint is an IP literal. Does I/O (DNS).
 */
export function startDane(
  c: Commitment,
  resolver: ValidatingResolver | undefined,
  base: LookupFunction | undefined,
  now: () => Date,
): { state: DaneState; lookup: LookupFunction } | undefined {
  const { host, port } = c.endpoint
  if (resolver === undefined) return undefined
  const tlsa = prefetch(host, port, resolver)
  if (tlsa === undefined) return undefined
  const state: DaneState = { now, relaxPkix: daneOnly(c) }
  const addressLookup = (base ?? systemLookup) as LookupFunction
  if (tlsa.cached !== undefined) {
    state.lookup = tlsa.cached
    return { state, lookup: addressLookup }
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    let address: Parameters<typeof callback> | undefined
    let tlsaDone = false
    const finish = (): void => {
      if (address !== undefined && tlsaDone) callback(...address)
    }
    tlsa.lookup.then(
      (l) => {
        state.lookup = l
        tlsaDone = true
        finish()
      },
      () => {
        tlsaDone = true
        finish()
      },
    )
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

/**
 * Wraps the handshake's identity callback so that it also keeps the detailed peer certificate Node hands
 * it. Node builds that object (`getPeerCertificate(true)`, the whole chain) once per handshake, right
 * before calling the callback; observeDane reuses it instead of building it a second time. Does no I/O.
 */
export function recordHandshakePeer(
  check: ConnectionOptions['checkServerIdentity'],
  state: DaneState,
): NonNullable<ConnectionOptions['checkServerIdentity']> {
  const inner = check ?? checkServerIdentity
  return (hostname, cert) => {
    state.handshakePeer = cert
    return inner(hostname, cert)
  }
}

/**
 * The detailed peer certificate of `socket`'s handshake. The recorded one only when `socket.authorized`
 * and the session was not resumed: Node sets `authorized` only after `checkServerIdentity` accepted the
 * certificate of this very handshake (and skips the callback only on resumption, which the SDK never
 * offers), so the recorded object cannot be another handshake's. Otherwise it is read from the socket.
 */
function peerOf(socket: TLSSocket, state: DaneState): PeerCertificate | undefined {
  if (socket.destroyed) return undefined
  if (socket.authorized && !socket.isSessionReused() && state.handshakePeer !== undefined)
    return state.handshakePeer
  return socket.getPeerCertificate(true) as PeerCertificate | undefined
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
  // The detailed leaf, read once: its chain for the match and, below, its names and key.
  const leaf = peerOf(socket, state)
  const chain = certificateChainDer(leaf)
  const outcome = daneOutcome(state.lookup, chain, { referenceNames: [host], pkixValid, now: state.now() })
  if (socket.authorized) return { dane: { status: outcome.status } }
  // Node skips checkServerIdentity for an unverified chain: do the RFC 7817 check here, so a DANE-only
  // session still reports (and may latch on) an honest name match.
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
