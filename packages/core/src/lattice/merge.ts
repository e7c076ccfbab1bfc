// The join of two commitments for the same (account, service). Commitments form a join-semilattice:
// merge is commutative, associative and idempotent and never lowers a property, so two processes that
// strengthen concurrently can always be reconciled without losing a latch (the store relies on this).
import { ErrorCode, SdkError } from '../errors.js'
import type { Commitment, Endpoint, Provenance } from '../model/commitment.js'
import { TRANSPORTS, tlsRank } from '../model/primitives.js'
import { isKnownTag, joinTlsCert, TLS_VERSION_DIRECTIVES } from '../model/tags.js'

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
 * accounts or services, or to different endpoints (another host, or the same transport on another
 * port); only the same host's STARTTLS → implicit-TLS upgrade joins.
 */
export function merge(a: Commitment, b: Commitment): Commitment {
  if (a.account !== b.account || a.service !== b.service) {
    throw new SdkError(ErrorCode.CommitmentMismatch, undefined, {
      details: { a: `${a.account}/${a.service}`, b: `${b.account}/${b.service}` },
    })
  }
  const provenance: Record<string, Provenance> = {}
  for (const key of sortedUnion(Object.keys(a.provenance), Object.keys(b.provenance))) {
    const pa = a.provenance[key]
    const pb = b.provenance[key]
    provenance[key] = pa && pb ? joinProvenance(pa, pb) : ((pa ?? pb) as Provenance)
  }
  const directives: Commitment['directives'] = {}
  const tlsVersion = maxDirective(TLS_VERSION_DIRECTIVES, a.directives.tlsVersion, b.directives.tlsVersion)
  if (tlsVersion !== undefined) directives.tlsVersion = tlsVersion
  const ta = a.directives.tlsCert
  const tb = b.directives.tlsCert
  if (ta !== undefined || tb !== undefined) directives.tlsCert = joinTlsCert(ta ?? 'any', tb ?? 'any')
  const out: Commitment = {
    format: a.format,
    version: a.version,
    account: a.account,
    service: a.service,
    endpoint: joinEndpoint(a.endpoint, b.endpoint),
    minLevel: 'high',
    tlsFloor: tlsRank(a.tlsFloor) >= tlsRank(b.tlsFloor) ? a.tlsFloor : b.tlsFloor,
    latches: joinLatches(a.latches, b.latches),
    directives,
    pins: { spki: sortedUnion(a.pins.spki, b.pins.spki), backup: sortedUnion(a.pins.backup, b.pins.backup) },
    provenance,
  }
  const url = joinStatusUrl(a.statusUrl, b.statusUrl)
  if (url !== undefined) out.statusUrl = url
  return out
}

// The most recently advertised URL wins; equal times fall back to lexical order to stay a join.
function joinStatusUrl(a: Commitment['statusUrl'], b: Commitment['statusUrl']): Commitment['statusUrl'] {
  if (a === undefined) return b
  if (b === undefined) return a
  return (cmp(a.seenAt, b.seenAt) || cmp(a.url, b.url)) >= 0 ? a : b
}

/**
 * True if `a` is at least as strong as `b` in every security property (provenance ignored).
 * Pure; used by the store to prove that a write never weakens what is on disk.
 */
export function isAtLeast(a: Commitment, b: Commitment): boolean {
  const j = merge(a, b)
  return securityKey(j) === securityKey(a)
}

/** Canonical string of the security-relevant part of a commitment (no provenance, no URL time). */
export function securityKey(c: Commitment): string {
  return JSON.stringify([
    c.endpoint,
    c.minLevel,
    c.tlsFloor,
    c.latches,
    c.directives.tlsVersion ?? null,
    c.directives.tlsCert ?? null,
    c.pins.spki,
    c.pins.backup,
  ])
}
