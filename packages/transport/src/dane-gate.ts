// DANE inside the shared gate (issue #15), for every guarded protocol at once: the TLSA lookup starts
// when the connection's TLS parameters are made, runs while the address lookup, TCP connect and TLS
// handshake proceed (the dial never waits for it), and the adapter awaits its answer after the handshake,
// before the check (daneReady). The observation carries its outcome. Nothing here decides: core's DANE
// and certificate rules do. Nothing is sent over TLS while the answer is awaited.
//
// Per-connection cost (#15 benchmark, docs/benchmarks.md): a cached TLSA answer is used synchronously,
// the chain is the one Node already built for `checkServerIdentity` (building it again costs about as
// much as a loopback round trip), and the matcher reuses parsed certificates (@mua-sts/dane cert-facts).
import type { Socket } from 'node:net'
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

/** Per-connection DANE state, filled while the connection is made and read by observeSecureSocket(). */
export type DaneState = {
  /** The TLSA answer once it arrived; undefined while pending, or for good if the lookup failed. */
  lookup?: TlsaLookup
  /** True once the lookup settled either way (a cached answer is settled from the start). */
  settled: boolean
  /** Settles (never rejects) with the lookup; awaited through daneReady(). */
  readonly answer: Promise<void>
  /** Stops a pending lookup (its UDP/TCP socket); a no-op once settled. */
  readonly cancel: () => void
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
 * Starts the TLSA lookup for the committed endpoint now and returns its state. The dial does not wait
 * for it (#15 item 1: the lookup runs concurrently with the address lookup, the TCP connect and the
 * handshake); the adapter awaits daneReady() after the handshake. With the answer cached the state is
 * complete at once. Undefined when no resolver is configured or the endpoint is an IP literal (nothing
 * to look up). Does I/O (DNS).
 */
export function startDane(
  c: Commitment,
  resolver: ValidatingResolver | undefined,
  now: () => Date,
): DaneState | undefined {
  const { host, port } = c.endpoint
  if (resolver === undefined) return undefined
  const tlsa = prefetch(host, port, resolver)
  if (tlsa === undefined) return undefined
  const relaxPkix = daneOnly(c)
  if (tlsa.cached !== undefined) {
    return {
      lookup: tlsa.cached,
      settled: true,
      answer: Promise.resolve(),
      cancel: tlsa.cancel,
      now,
      relaxPkix,
    }
  }
  const state: DaneState = {
    settled: false,
    // A failed lookup (bogus answer, timeout, cancel) leaves `lookup` unset: the DANE check then did not
    // run, and core refuses any commitment that requires it (rules/dane.ts: `dane-required`).
    answer: tlsa.lookup.then(
      (l) => {
        state.lookup = l
        state.settled = true
      },
      () => {
        state.settled = true
      },
    ),
    cancel: tlsa.cancel,
    now,
    relaxPkix,
  }
  return state
}

/**
 * Resolves once this connection's TLSA answer is in, or at once if `socket` closes first (an abort, the
 * connect deadline, the peer), in which case the lookup is cancelled and the caller's check fails on the
 * closed socket. Undefined when there is nothing to wait for (no DANE check, or the answer is already
 * in), so the adapters' check stays synchronous after the handshake then. Never rejects. The adapter must
 * send nothing over the session until it resolved and the check passed. Does no I/O itself.
 */
export function daneReady(state: DaneState | undefined, socket: Socket): Promise<void> | undefined {
  if (state === undefined || state.settled) return undefined
  const { answer } = state
  return new Promise<void>((resolve) => {
    const done = (): void => {
      socket.off('close', onClose)
      resolve()
    }
    const onClose = (): void => {
      state.cancel()
      done()
    }
    if (socket.destroyed) {
      onClose()
      return
    }
    socket.once('close', onClose)
    void answer.then(done)
  })
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
