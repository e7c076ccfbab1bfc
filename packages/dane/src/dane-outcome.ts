// The DANE verdict for one connection: the TLSA lookup and the chain match, folded into one of five
// statuses. Pure decision; the I/O is in tlsa-lookup.ts and tls-socket.ts.
import type { LookupFailure, TlsaLookup } from './tlsa-answer.js'
import { type MatchContext, type MatchFailure, matchTlsa } from './tlsa-match.js'

/**
 * - `valid`          secure TLSA records, and the chain matches one (RFC 6698 §2.1, RFC 7671 §5)
 * - `invalid`        secure TLSA records, none matches, or none is usable (RFC 6698 §4.1)
 * - `dnssec-invalid` bogus or indeterminate DNSSEC answer (tlsa-answer.ts defines it exactly)
 * - `no-records`     the zone is signed and proves there is no TLSA RRset
 * - `insecure`       the zone (or a link of its CNAME chain) is unsigned: DANE does not apply
 */
export const DANE_STATUSES = ['valid', 'invalid', 'dnssec-invalid', 'no-records', 'insecure'] as const
export type DaneStatus = (typeof DANE_STATUSES)[number]

export type DaneOutcome = {
  readonly status: DaneStatus
  /** The TLSA owner name asked, `_<port>._tcp.<host>`. */
  readonly tlsaName: string
  /** Why not `valid`, when there is a more precise reason than the status. */
  readonly reason?: LookupFailure | MatchFailure
  /** Which record matched and at what chain depth (0 = leaf), when `valid`. */
  readonly matched?: {
    readonly usage: number
    readonly selector: number
    readonly matchingType: number
    readonly depth: number
  }
}

/** Folds a lookup and the presented chain (DER, leaf first) into a verdict. Pure; never throws. */
export function daneOutcome(
  lookup: TlsaLookup,
  chain: readonly Uint8Array[],
  ctx: MatchContext,
): DaneOutcome {
  const tlsaName = lookup.name
  switch (lookup.status) {
    case 'dnssec-invalid':
      return { status: 'dnssec-invalid', tlsaName, reason: lookup.reason }
    case 'no-records':
    case 'insecure':
      return { status: lookup.status, tlsaName }
    case 'secure': {
      const match = matchTlsa(lookup.records, chain, ctx)
      if (!match.ok) return { status: 'invalid', tlsaName, reason: match.failure }
      const { usage, selector, matchingType } = match.record
      return { status: 'valid', tlsaName, matched: { usage, selector, matchingType, depth: match.depth } }
    }
  }
}
