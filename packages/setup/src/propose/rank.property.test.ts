// The ordering law behind #12, over arbitrary candidate sets: no untrusted candidate ever ranks
// above a trusted one (whatever its transport, TLS version or priority), and propose() picks an
// untrusted endpoint only when no trusted result is usable.
import { createObservation } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Candidate, Trust } from '../discover/candidate.js'
import type { ProbeResult } from '../probe/result.js'
import { propose } from './propose.js'
import { bestPossibleRank, compareRanks, proposalRank } from './rank.js'

const trustArb: fc.Arbitrary<Trust> = fc.oneof(
  fc.constantFrom<Trust>(
    { level: 'trusted', reason: 'srv_target_in_domain' },
    { level: 'trusted', reason: 'dnssec_validated' },
    { level: 'trusted', reason: 'https_from_mail_domain' },
  ),
  fc.constantFrom<Trust>(
    { level: 'needs-confirmation', reason: 'srv_target_outside_domain' },
    { level: 'needs-confirmation', reason: 'guessed' },
    { level: 'needs-confirmation', reason: 'mx_derived' },
    { level: 'needs-confirmation', reason: 'entered_by_user' },
  ),
)

const entryArb = fc.record({
  trust: trustArb,
  transport: fc.constantFrom('implicit-tls' as const, 'starttls' as const),
  tls: fc.constantFrom('TLSv1.2', 'TLSv1.3'),
  priority: fc.nat({ max: 20 }),
  usable: fc.boolean(),
})
type Entry = typeof entryArb extends fc.Arbitrary<infer T> ? T : never

const candidateOf = (e: Entry, i: number): Candidate => ({
  service: 'imap',
  host: e.trust.level === 'trusted' ? `mail${i}.example.test` : `mail${i}.attacker.test`,
  port: 1000 + i,
  transport: e.transport,
  source: 'srv',
  trust: e.trust,
  priority: e.priority,
})

function resultOf(c: Candidate, e: Entry): ProbeResult {
  if (!e.usable)
    return { candidate: c, status: 'failed', violations: [], failure: { code: 'timeout', message: '' } }
  const observation = createObservation({
    service: c.service,
    endpoint: { host: c.host, port: c.port },
    transport: c.transport,
    tls: { version: e.tls, cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: { chainTrusted: true, expired: false, nameMatch: true, matchedIdentity: c.host },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
  })
  return { candidate: c, status: 'compliant', observation, violations: [] }
}

describe('ranking: trust first (#12)', () => {
  it('never ranks an untrusted candidate above a trusted one, probed or not', () => {
    fc.assert(
      fc.property(entryArb, entryArb, (a, b) => {
        const ca = candidateOf(a, 0)
        const cb = candidateOf(b, 1)
        if (ca.trust.level === cb.trust.level) return
        const [t, u] =
          ca.trust.level === 'trusted'
            ? ([
                [ca, a],
                [cb, b],
              ] as const)
            : ([
                [cb, b],
                [ca, a],
              ] as const)
        expect(compareRanks(proposalRank(t[0], t[1].tls), proposalRank(u[0], u[1].tls))).toBeLessThan(0)
        // Early stop compares a result with what pending candidates could still reach.
        expect(compareRanks(bestPossibleRank(t[0]), proposalRank(u[0], u[1].tls))).toBeLessThan(0)
        expect(compareRanks(proposalRank(u[0], u[1].tls), bestPossibleRank(t[0]))).toBeGreaterThan(0)
      }),
    )
  })

  it('proposes an untrusted endpoint only when no trusted result is usable, and then names every trusted one', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 8 }), (entries) => {
        const candidates = entries.map(candidateOf)
        const results = candidates.map((c, i) => resultOf(c, entries[i] as Entry))
        const discovery = { domain: 'example.test', candidates, notOffered: [], errors: [], diagnostics: [] }
        const proposal = propose(discovery, results, { account: 'acct_1', now: '2026-03-01T09:00:00.000Z' })
        const usableTrusted = entries.some((e) => e.usable && e.trust.level === 'trusted')
        const chosen = proposal.services[0]
        if (!entries.some((e) => e.usable)) {
          expect(chosen).toBeUndefined()
          return
        }
        expect(chosen?.candidate.trust.level === 'trusted').toBe(usableTrusted)
        const trustedCount = entries.filter((e) => e.trust.level === 'trusted').length
        expect(chosen?.trustedFailures).toHaveLength(usableTrusted ? 0 : trustedCount)
      }),
    )
  })
})
