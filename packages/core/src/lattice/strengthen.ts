// strengthen(): what a commitment may learn from a live connection, and nothing more.
// DEEP -04 §5.1/§5.3: latch an advertised tag only if it was read after TLS, the server was
// authenticated in this session, and the session itself meets the tag. -05 §7: first every saved
// directive must already be satisfied; values only go up (§7.1).
import { evaluate } from '../evaluate/evaluate.js'
import type { Commitment, Provenance } from '../model/commitment.js'
import { provenanceKey } from '../model/commitment.js'
import { isServerAuthenticated, type Observation } from '../model/observation.js'
import type { IsoTime } from '../model/primitives.js'
import { meetsTag, meetsTlsCert, meetsTlsVersion } from '../model/session-meets.js'
import { acceptStatusUrl } from '../model/status-url.js'
import { isKnownTag } from '../model/tags.js'
import { merge } from './merge.js'

export type StrengthenResult = {
  readonly commitment: Commitment
  /** Provenance keys of properties that are new (not merely re-confirmed). Empty → nothing learned. */
  readonly learned: readonly string[]
}

/**
 * DEEP -04 §11.2 latch conditions, per registered tag. An unregistered tag is never latched: -05 §7
 * step 1 says to skip what the client does not understand, and a latch it cannot check would be
 * persisted forever with no meaning.
 */
function latchable(tag: string, o: Observation): boolean {
  return isKnownTag(tag) && meetsTag(tag, o)
}

/** What the session is allowed to teach: tags, directives and URL, already filtered by their conditions. */
function learnable(
  c: Commitment,
  o: Observation,
): Pick<Commitment, 'latches' | 'directives'> & { urls: string[] } {
  const deep = o.advertisement?.deep
  const sts = o.advertisement?.sts
  const latches = (deep?.tags ?? []).filter((t) => latchable(t, o))
  const directives: Commitment['directives'] = {}
  if (sts?.tlsVersion !== undefined && meetsTlsVersion(sts.tlsVersion, o))
    directives.tlsVersion = sts.tlsVersion
  if (sts?.tlsCert !== undefined && meetsTlsCert(sts.tlsCert, o)) directives.tlsCert = sts.tlsCert
  // #12: only an https URL on the committed server's registrable domain or the mail domain.
  const scope = { host: c.endpoint.host, domain: c.domain }
  const urls = [deep?.url, sts?.stsUrl].flatMap((u) => {
    const accepted = u === undefined ? undefined : acceptStatusUrl(u, scope)
    return accepted === undefined ? [] : [accepted]
  })
  return { latches, directives, urls }
}

/**
 * Learns from an observation. Pure; `now` is supplied by the caller. Returns the input unchanged (and
 * `learned: []`) unless TLS is up, the server is authenticated and the commitment is already met. Never
 * adds a pin, never moves the endpoint, and learns a status URL only if none is saved yet (see
 * model/status-url.ts for which URLs qualify). Throws nothing for any observation.
 */
export function strengthen(current: Commitment, o: Observation, now: IsoTime): StrengthenResult {
  if (o.transport === 'plaintext' || o.tls === undefined || !isServerAuthenticated(o))
    return { commitment: current, learned: [] }
  if (evaluate(current, o).outcome !== 'ok') return { commitment: current, learned: [] }
  const { latches, directives, urls } = learnable(current, o)
  const prov: Provenance = { source: 'server', firstSeen: now, lastConfirmed: now }
  const provenance: Record<string, Provenance> = {}
  for (const t of latches) provenance[provenanceKey('latch', t)] = prov
  if (directives.tlsVersion !== undefined) provenance[provenanceKey('directive', 'tls-version')] = prov
  if (directives.tlsCert !== undefined) provenance[provenanceKey('directive', 'tls-cert')] = prov
  const seen: Commitment = {
    ...current,
    latches: [...new Set(latches)].sort(),
    directives,
    pins: { spki: [], backup: [] },
    provenance,
  }
  delete seen.statusUrl
  // The first accepted URL stays: another one is not even offered to the join, so it can neither
  // replace the saved one nor re-confirm its provenance.
  const saved = current.statusUrl?.url
  const url = saved === undefined ? urls[0] : urls.find((u) => u === saved)
  if (url !== undefined) {
    seen.statusUrl = { url, seenAt: now }
    provenance[provenanceKey('statusUrl')] = prov
  }
  const next = merge(current, seen)
  return { commitment: next, learned: newlyLearned(current, next) }
}

function newlyLearned(before: Commitment, after: Commitment): string[] {
  const out = after.latches.filter((t) => !before.latches.includes(t)).map((t) => provenanceKey('latch', t))
  if (after.directives.tlsVersion !== before.directives.tlsVersion)
    out.push(provenanceKey('directive', 'tls-version'))
  if (after.directives.tlsCert !== before.directives.tlsCert) out.push(provenanceKey('directive', 'tls-cert'))
  if (after.statusUrl?.url !== before.statusUrl?.url) out.push(provenanceKey('statusUrl'))
  return out
}

/**
 * RFC 8314 §3 upgrade: replace a STARTTLS endpoint by an implicit-TLS one that was seen working.
 * Only called when app/admin policy says so. Pure. Returns `current` if the observation does not qualify.
 */
export function adoptImplicitTls(current: Commitment, o: Observation, now: IsoTime): StrengthenResult {
  // Same host only: moving to another server is never automatic (see merge's joinEndpoint).
  const sameHost = o.endpoint.host === current.endpoint.host
  if (current.endpoint.transport === 'implicit-tls' || o.transport !== 'implicit-tls' || !sameHost)
    return { commitment: current, learned: [] }
  const candidate: Commitment = {
    ...current,
    endpoint: { host: o.endpoint.host, port: o.endpoint.port, transport: 'implicit-tls' },
    provenance: {
      ...current.provenance,
      [provenanceKey('endpoint')]: { source: 'policy', firstSeen: now, lastConfirmed: now },
    },
  }
  if (!isServerAuthenticated(o) || evaluate(candidate, o).outcome !== 'ok')
    return { commitment: current, learned: [] }
  return { commitment: candidate, learned: [provenanceKey('endpoint')] }
}
