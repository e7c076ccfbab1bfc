// Matching a presented certificate chain against a secure TLSA RRset (RFC 6698 §2.1, RFC 7671 §5).
// Pure computation over DER buffers (node:crypto parses and verifies; nothing is read or written),
// apart from the bounded memo of per-certificate facts described below.
//
// Per usage:
// - DANE-EE (3): the leaf's certificate or SPKI matches. Nothing else is checked: RFC 7671 §5.1 says the
//   TLSA record itself binds the key to the name, so the certificate's names, validity dates and issuer
//   are ignored (a self-signed or expired certificate passes). This is the usage for self-signed servers.
// - DANE-TA (2): a certificate in the presented chain above the leaf matches (RFC 7671 §5.2.2: the server
//   must send the TA), or a full TA certificate (2 0 0) / full TA key (2 1 0) published in DNS signed the
//   top of the presented path. The path from the leaf up to the TA must verify: each issuer
//   `checkIssued`, carries basicConstraints cA, and signed its child; the leaf and the certificates
//   below the TA must be within their validity at `now`; and the leaf must carry one of the reference
//   names as a DNS-ID (RFC 7671 §5.2, RFC 9525 dropped RFC 6125's fallback to the subject CN). Path length,
//   name constraints and policies of the intermediates are not evaluated.
// - PKIX-TA (0) / PKIX-EE (1): as DANE-TA / DANE-EE, and also the TLS stack's PKIX + RFC 7817
//   verdict must be valid (RFC 6698 §2.1.1); they are only ever used together with PKIX.
// Several records (a key rollover publishes old and new side by side, RFC 7671 §8): any usable match
// passes. Unusable records are skipped (RFC 6698 §4.1); weaker digests are dropped (§9, tlsa-record.ts).
//
// Parsing and hashing go through the CertFacts memo (cert-facts.ts): a hit returns what a fresh parse of
// the same DER bytes would, and everything that depends on the connection (`now`, names, PKIX verdict,
// the records) is evaluated below on every call.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { CERT_FACTS, type CertFacts } from './cert-facts.js'
import { type TlsaRecord, TlsaSelector, TlsaUsage, usableRecords } from './tlsa-record.js'

export type MatchContext = {
  /** Host names the leaf must carry for usage 2 (the TLSA base domain, RFC 7671 §5.2 / RFC 7673 §3). */
  readonly referenceNames: readonly string[]
  /** The TLS stack's PKIX path + RFC 7817 name verdict; required by usages 0 and 1. */
  readonly pkixValid: boolean
  /** Instant the DANE-TA path's validity periods are checked at (passed in: this code has no clock). */
  readonly now: Date
}

/** Most specific first: the reported reason is the most specific any record got to. */
export const MATCH_FAILURES = [
  'name-mismatch',
  'expired',
  'chain-invalid',
  'pkix-invalid',
  'no-match',
  'no-usable-records',
  'bad-chain',
] as const
export type MatchFailure = (typeof MATCH_FAILURES)[number]

export type TlsaMatch =
  | {
      readonly ok: true
      readonly record: TlsaRecord /** 0 = leaf; chain length = TA only in DNS. */
      readonly depth: number
    }
  | { readonly ok: false; readonly failure: MatchFailure }

// RFC 8446 §4.4.2 allows long chains, but no mail server sends more; a bound keeps the work linear.
const MAX_CHAIN = 10

function matchesCert(r: TlsaRecord, cert: CertFacts): boolean {
  const data = cert.associationData(r.selector, r.matchingType)
  return data !== undefined && Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(r.data)
}

const inValidity = (c: CertFacts, now: Date): boolean =>
  Date.parse(c.x509.validFrom) <= now.getTime() && now.getTime() <= Date.parse(c.x509.validTo)

/** Checks certs[0..depth-1] each issued by the next; undefined when the path holds. */
function pathFailure(certs: readonly CertFacts[], depth: number, now: Date): MatchFailure | undefined {
  for (let k = 0; k < depth; k++) {
    if (!(certs[k] as CertFacts).signedBy(certs[k + 1] as CertFacts)) return 'chain-invalid'
  }
  for (let k = 0; k < depth; k++) if (!inValidity(certs[k] as CertFacts, now)) return 'expired'
  return undefined
}

/** The key of a full TA key published in DNS (2 1 0), or undefined when the data is no SPKI. */
function dnsKey(r: TlsaRecord): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(r.data), format: 'der', type: 'spki' })
  } catch {
    return undefined
  }
}

/** A full trust anchor published in DNS (2 0 0 / 2 1 0): it must have signed certs[k] for some k. */
function anchorInDns(r: TlsaRecord, certs: readonly CertFacts[], now: Date): TlsaMatch | MatchFailure {
  // Association data that is no certificate or key matches nothing.
  const anchor = r.selector === TlsaSelector.Cert ? CERT_FACTS.get(r.data) : undefined
  const key = r.selector === TlsaSelector.Cert ? undefined : dnsKey(r)
  if (anchor === undefined && key === undefined) return 'no-match'
  let best: MatchFailure = 'no-match'
  for (let k = 0; k < certs.length; k++) {
    const top = certs[k] as CertFacts
    // A 2 0 0 anchor must be a CA that issued `top` (signedBy); a bare 2 1 0 key only has to verify it.
    const issued = anchor !== undefined ? top.signedBy(anchor) : top.x509.verify(key as KeyObject)
    if (!issued) continue
    const failure = pathFailure(certs, k, now) ?? (inValidity(top, now) ? undefined : 'expired')
    if (failure === undefined) return { ok: true, record: r, depth: certs.length }
    best = failure
  }
  return best
}

function matchOne(r: TlsaRecord, certs: readonly CertFacts[], ctx: MatchContext) {
  const leaf = (certs[0] as CertFacts).x509
  const pkixUsage = r.usage === TlsaUsage.PkixTa || r.usage === TlsaUsage.PkixEe
  if (r.usage === TlsaUsage.DaneEe || r.usage === TlsaUsage.PkixEe) {
    if (!matchesCert(r, certs[0] as CertFacts)) return 'no-match'
    if (pkixUsage && !ctx.pkixValid) return 'pkix-invalid'
    return { ok: true, record: r, depth: 0 } as const
  }
  // Trust-anchor usages: find the TA, verify the path to it, then the leaf's name.
  let found: TlsaMatch | MatchFailure = 'no-match'
  for (let depth = 1; depth < certs.length && found === 'no-match'; depth++) {
    if (!matchesCert(r, certs[depth] as CertFacts)) continue
    found = pathFailure(certs, depth, ctx.now) ?? { ok: true, record: r, depth }
  }
  if (found === 'no-match' && r.usage === TlsaUsage.DaneTa && r.matchingType === 0) {
    found = anchorInDns(r, certs, ctx.now)
  }
  if (typeof found === 'string') return found
  if (pkixUsage && !ctx.pkixValid) return 'pkix-invalid'
  const named = ctx.referenceNames.some(
    (n) => leaf.checkHost(n, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined,
  )
  return named ? found : 'name-mismatch'
}

/**
 * Matches the presented `chain` (DER, leaf first, as the server sent it) against the TLSA `records`
 * of a secure lookup. Pure; never throws.
 */
export function matchTlsa(
  records: readonly TlsaRecord[],
  chain: readonly Uint8Array[],
  ctx: MatchContext,
): TlsaMatch {
  const usable = usableRecords(records)
  if (usable.length === 0) return { ok: false, failure: 'no-usable-records' }
  if (chain.length === 0 || chain.length > MAX_CHAIN) return { ok: false, failure: 'bad-chain' }
  const certs: CertFacts[] = []
  for (const der of chain) {
    const facts = CERT_FACTS.get(der)
    if (facts === undefined) return { ok: false, failure: 'bad-chain' } // any certificate Node cannot parse
    certs.push(facts)
  }
  let best: MatchFailure = 'no-match'
  for (const r of usable) {
    const result = matchOne(r, certs, ctx)
    if (typeof result !== 'string') return result
    if (MATCH_FAILURES.indexOf(result) < MATCH_FAILURES.indexOf(best)) best = result
  }
  return { ok: false, failure: best }
}
