import { describe, expect, it } from 'vitest'
import { CandidateSchema, type DraftCandidate, rankCandidates } from './candidate.js'
import { guessedTrust, mxDerivedTrust, srvTrust } from './trust.js'

const draft = (over: Partial<DraftCandidate>): DraftCandidate => ({
  service: 'imap',
  host: 'imap.example.test',
  port: 993,
  transport: 'implicit-tls',
  source: 'guess',
  trust: guessedTrust,
  order: 0,
  ...over,
})

describe('rankCandidates', () => {
  it('keeps the most trusted label when two sources found the same endpoint', () => {
    const ranked = rankCandidates([
      draft({ source: 'guess' }),
      draft({ source: 'srv', trust: srvTrust('imap.example.test', 'example.test', false) }),
      draft({ source: 'mx-autoconfig', trust: mxDerivedTrust }),
    ])
    expect(ranked).toHaveLength(1)
    expect(ranked[0]).toMatchObject({
      source: 'srv',
      trust: { level: 'trusted', reason: 'srv_target_in_domain' },
    })
  })

  it('keeps endpoints apart that differ only in transport', () => {
    const ranked = rankCandidates([
      draft({ port: 143, transport: 'starttls' }),
      draft({ port: 143, transport: 'implicit-tls' }),
    ])
    expect(ranked.map((c) => c.transport)).toEqual(['implicit-tls', 'starttls'])
  })

  it('orders trusted before needs-confirmation, then by source, then by the source order', () => {
    const ranked = rankCandidates([
      draft({ host: 'g.example.test' }),
      draft({
        host: 'srv2.example.test',
        source: 'srv',
        trust: srvTrust('srv2.example.test', 'example.test', false),
        order: 2,
      }),
      draft({
        host: 'srv1.example.test',
        source: 'srv',
        trust: srvTrust('srv1.example.test', 'example.test', false),
        order: 1,
      }),
      draft({
        host: 'out.other.test',
        source: 'srv',
        trust: srvTrust('out.other.test', 'example.test', false),
        order: 0,
      }),
    ])
    expect(ranked.map((c) => c.host)).toEqual([
      'srv1.example.test',
      'srv2.example.test',
      'out.other.test',
      'g.example.test',
    ])
    expect(ranked.map((c) => c.priority)).toEqual([0, 1, 2, 3])
  })

  it('numbers priority per service and groups services as imap, pop3, submission', () => {
    const ranked = rankCandidates([
      draft({ service: 'submission', port: 465 }),
      draft({ service: 'pop3', port: 995 }),
      draft({ service: 'imap' }),
      draft({ service: 'submission', port: 587, transport: 'starttls' }),
    ])
    expect(ranked.map((c) => [c.service, c.priority])).toEqual([
      ['imap', 0],
      ['pop3', 0],
      ['submission', 0],
      ['submission', 1],
    ])
  })

  it('is deterministic: any input order gives the same output', () => {
    const drafts = [
      draft({ host: 'b.example.test' }),
      draft({ host: 'a.example.test' }),
      draft({ host: 'c.example.test', port: 143, transport: 'starttls' }),
    ]
    expect(rankCandidates([...drafts].reverse())).toEqual(rankCandidates(drafts))
  })

  it('produces candidates that satisfy the exported schema', () => {
    for (const candidate of rankCandidates([
      draft({}),
      draft({ service: 'submission', port: 587, transport: 'starttls' }),
    ])) {
      expect(CandidateSchema.parse(candidate)).toEqual(candidate)
    }
  })
})

describe('CandidateSchema', () => {
  it('refuses a trusted level with an untrusted reason', () => {
    const bad = { ...draft({}), priority: 0, trust: { level: 'trusted', reason: 'guessed' } }
    expect(CandidateSchema.safeParse(bad).success).toBe(false)
  })

  it('refuses upper-case hosts, trailing dots and port 0', () => {
    for (const over of [{ host: 'IMAP.example.test' }, { host: 'imap.example.test.' }, { port: 0 }]) {
      expect(CandidateSchema.safeParse({ ...draft({}), priority: 0, ...over }).success).toBe(false)
    }
  })
})
