// The one ordering of compliant candidates, shared by propose() (pick the best) and probe() (stop
// once nothing still running could beat what is in). Lexicographic, lower is better:
//   1. A trusted discovery label before one that needs the user's confirmation (RFC 8314 §5.1,
//      RFC 6186 §6). It comes first because everything after it is a property the server itself
//      claims: an on-path attacker who forges one unsigned SRV answer controls the transport and TLS
//      version of the host it points to, but not the label. Ranked anywhere else, "TLS 1.3 on 993"
//      would let a forged target outrank (and, through early stop, cancel) the domain's own server
//      (#12).
//   2. Implicit TLS before STARTTLS (RFC 8314 §3: STARTTLS is the weaker architecture).
//   3. TLS 1.3 before 1.2 (RFC 8446 removes the downgrade-prone parts of 1.2).
//   4. Discovery's own priority (already source- and SRV-ordered).
// A valid certificate is not a rank: a candidate without one is never proposed at all.
import { tlsRank } from '@mua-sts/core'
import type { Candidate } from '../discover/candidate.js'

export type Rank = readonly [trust: number, transport: number, tls: number, priority: number]

function rankOf(candidate: Candidate, tls13: boolean): Rank {
  return [
    candidate.trust.level === 'trusted' ? 0 : 1,
    candidate.transport === 'implicit-tls' ? 0 : 1,
    tls13 ? 0 : 1,
    candidate.priority,
  ]
}

/** Rank of a compliant result that negotiated `tlsVersion`. Pure. */
export function proposalRank(candidate: Candidate, tlsVersion: string | undefined): Rank {
  return rankOf(candidate, tlsRank(tlsVersion) >= tlsRank('TLSv1.3'))
}

/** The best rank a candidate could still reach before it is probed (TLS version unknown: assume 1.3). */
export function bestPossibleRank(candidate: Candidate): Rank {
  return rankOf(candidate, true)
}

/** Negative when `a` is better than `b`. Pure. */
export function compareRanks(a: Rank, b: Rank): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
