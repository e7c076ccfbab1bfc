// The join of two commitments for the same (account, service). Commitments form a join-semilattice:
// merge is commutative, associative and idempotent and never lowers a property, so two processes that
// strengthen concurrently can always be reconciled without losing a latch (the store relies on this).
// The laws hold where merge does not throw. It refuses another endpoint or mail domain, and pin sets with
// no key in common; the latter depends only on the intersection of all pinned sets, never on the order.
import { ErrorCode, isSdkError, SdkError } from '../errors.js'
import type { Commitment, Endpoint, Provenance } from '../model/commitment.js'
import { TRANSPORTS, tlsRank } from '../model/primitives.js'
import { isKnownTag, joinTlsCert, TLS_VERSION_DIRECTIVES } from '../model/tags.js'
import { acceptableKeys, joinPins } from './pins.js'

function sortedUnion(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort()
}

/** The schema's bound on latches (CommitmentSchema.latches.max). */
export const MAX_LATCHES = 64

// Known tags are always kept. Unknown tags are data only (never enforced), so when the union would
// exceed the schema bound we keep the lexically smallest ones: "smallest k of a union" is itself
// commutative, associative and idempotent, so the cap does not break the join laws.
function joinLatches(a: readonly string[], b: readonly string[]): string[] {
  const all = sortedUnion(a, b)
  if (all.length <= MAX_LATCHES) return all
  const known = all.filter(isKnownTag)
  const unknown = all.filter((t) => !isKnownTag(t)).slice(0, MAX_LATCHES - known.length)
  return [...known, ...unknown].sort()
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// Stronger transport wins (RFC 8314 §3), on the same host only. A join must never move an account to
// another server or port by itself: that is exactly what an attacker would want a "strengthen" to do,
// so such pairs are refused and moving goes through the forget ceremony. The join laws hold on the
// domain the SDK produces — one host per (account, service), one port per transport; outside it merge
// refuses, and which pair trips the refusal can depend on the order of merging.
function joinEndpoint(a: Endpoint, b: Endpoint): Endpoint {
  if (a.host !== b.host || (a.transport === b.transport && a.port !== b.port)) {
    throw new SdkError(
      ErrorCode.CommitmentMismatch,
      'Commitments for different endpoints cannot be merged; forget the old one first.',
      {
        details: { a: `${a.host}:${a.port}/${a.transport}`, b: `${b.host}:${b.port}/${b.transport}` },
      },
    )
  }
  return TRANSPORTS.indexOf(a.transport) >= TRANSPORTS.indexOf(b.transport) ? a : b
}

// The mail domain scopes which status URLs may be learned. Two different domains mean two setups for
// one account ref, i.e. the account moved; like another endpoint, that is the replace ceremony's call.
// "Keep the first" is no option: a join has no order, and a lexical pick would let one setup's domain
// vouch for status pages of the other.
function joinDomain(a: string | undefined, b: string | undefined): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new SdkError(
      ErrorCode.CommitmentMismatch,
      'Commitments for different mail domains cannot be merged; replace the old one through the ceremony.',
      { details: { a, b } },
    )
  }
  return a ?? b
}

const SOURCE_RANK = { server: 0, setup: 1, policy: 2 } as const
function joinProvenance(a: Provenance, b: Provenance): Provenance {
  return {
    source: SOURCE_RANK[a.source] >= SOURCE_RANK[b.source] ? a.source : b.source,
    firstSeen: a.firstSeen <= b.firstSeen ? a.firstSeen : b.firstSeen,
    lastConfirmed: a.lastConfirmed >= b.lastConfirmed ? a.lastConfirmed : b.lastConfirmed,
  }
}

function maxDirective<T extends string>(
  order: readonly T[],
  a: T | undefined,
  b: T | undefined,
): T | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return order.indexOf(a) >= order.indexOf(b) ? a : b
}

/**
 * Joins two commitments. Pure. Throws MUASTS_ERR_COMMITMENT_MISMATCH if they belong to different
 * accounts or services, to different endpoints (another host, or the same transport on another port;
 * only the same host's STARTTLS → implicit-TLS upgrade joins) or to different mail domains. Throws
 * MUASTS_ERR_PIN_CONFLICT if both are pinned and no key is acceptable to both (see lattice/pins.ts).
 */
export function merge(a: Commitment, b: Commitment): Commitment {
  if (a.account !== b.account || a.service !== b.service) {
    throw new SdkError(ErrorCode.CommitmentMismatch, undefined, {
      details: { a: `${a.account}/${a.service}`, b: `${b.account}/${b.service}` },
    })
  }
  const endpoint = joinEndpoint(a.endpoint, b.endpoint)
  const domain = joinDomain(a.domain, b.domain)
  const pins = joinPins(a.pins, b.pins)
  const out: Commitment = {
    format: a.format,
    version: a.version,
    account: a.account,
    service: a.service,
    endpoint,
    minLevel: 'high',
    tlsFloor: tlsRank(a.tlsFloor) >= tlsRank(b.tlsFloor) ? a.tlsFloor : b.tlsFloor,
    latches: joinLatches(a.latches, b.latches),
    directives: joinDirectives(a.directives, b.directives),
    pins,
    provenance: joinProvenanceRecords(a.provenance, b.provenance, acceptableKeys(pins)),
  }
  if (domain !== undefined) out.domain = domain
  const url = joinStatusUrl(a.statusUrl, b.statusUrl)
  if (url !== undefined) out.statusUrl = url
  return out
}

function joinDirectives(a: Commitment['directives'], b: Commitment['directives']): Commitment['directives'] {
  const out: Commitment['directives'] = {}
  const tlsVersion = maxDirective(TLS_VERSION_DIRECTIVES, a.tlsVersion, b.tlsVersion)
  if (tlsVersion !== undefined) out.tlsVersion = tlsVersion
  if (a.tlsCert !== undefined || b.tlsCert !== undefined)
    out.tlsCert = joinTlsCert(a.tlsCert ?? 'any', b.tlsCert ?? 'any')
  return out
}

// Provenance of a pin the join no longer accepts is dropped, so the record never vouches for a refused
// key. Which keys survive depends only on the final pin set, so this keeps the join laws.
function joinProvenanceRecords(
  a: Commitment['provenance'],
  b: Commitment['provenance'],
  pinned: ReadonlySet<string>,
): Record<string, Provenance> {
  const out: Record<string, Provenance> = {}
  for (const key of sortedUnion(Object.keys(a), Object.keys(b))) {
    if (key.startsWith('pin:') && !pinned.has(key.slice('pin:'.length))) continue
    const pa = a[key]
    const pb = b[key]
    out[key] = pa && pb ? joinProvenance(pa, pb) : ((pa ?? pb) as Provenance)
  }
  return out
}

// The first accepted URL stays (#12): the earliest seenAt wins, equal times fall back to lexical order so
// that the choice is still a join. A later URL never displaces it here; only the store's replace
// ceremony writes another. strengthen() decides which URLs are acceptable at all.
function joinStatusUrl(a: Commitment['statusUrl'], b: Commitment['statusUrl']): Commitment['statusUrl'] {
  if (a === undefined) return b
  if (b === undefined) return a
  return (cmp(a.seenAt, b.seenAt) || cmp(a.url, b.url)) <= 0 ? a : b
}

/**
 * What a store writes when `incoming` is strengthened onto what it holds: the join, except that a status
 * URL already saved is kept. `seenAt` is caller data (a relayed commitment, an import, a sync peer), so
 * "earliest wins" alone would let a back-dated URL displace the saved one without the replace ceremony
 * (#12 item 5). Pure; throws as merge() does.
 */
export function joinOnto(stored: Commitment | undefined, incoming: Commitment): Commitment {
  if (stored === undefined) return incoming
  const joined = merge(stored, incoming)
  if (stored.statusUrl === undefined) return joined
  return { ...joined, statusUrl: stored.statusUrl }
}

/**
 * True if `a` is at least as strong as `b` in every security property (provenance, mail domain and status
 * URL ignored). A narrower pin set is stronger; pin sets with no key in common are incomparable (false).
 * Pure; throws MUASTS_ERR_COMMITMENT_MISMATCH as merge() does for another account, endpoint or domain.
 */
export function isAtLeast(a: Commitment, b: Commitment): boolean {
  let j: Commitment
  try {
    j = merge(a, b)
  } catch (error) {
    if (isSdkError(error, ErrorCode.PinConflict)) return false
    throw error
  }
  return securityKey(j) === securityKey(a)
}

/**
 * Canonical string of the security-relevant part of a commitment (no provenance, no URL). Pins appear as
 * the set of accepted keys: primary or backup, the spki-pin rule accepts them alike.
 */
export function securityKey(c: Commitment): string {
  return JSON.stringify([
    c.endpoint,
    c.minLevel,
    c.tlsFloor,
    c.latches,
    c.directives.tlsVersion ?? null,
    c.directives.tlsCert ?? null,
    [...acceptableKeys(c.pins)].sort(),
  ])
}
