// #12 item 5: a learned status URL is in scope, and the first accepted one stays. Laws over arbitrary
// commitments (including ones saved before #12 with out-of-scope URLs) and arbitrary observations.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Commitment } from '../model/commitment.js'
import { acceptedStatusUrl, acceptStatusUrl } from '../model/status-url.js'
import { arbCommitment, arbObservation, OBSERVED_STATUS_URLS } from '../testing/arbitraries.js'
import { FIXED_NOW, goodObservation, sampleCommitment } from '../testing/fixtures.js'
import { joinOnto, merge } from './merge.js'
import { strengthen } from './strengthen.js'

// Later than every time arbCommitment uses: what a session after the first acceptance would carry.
const LATER = ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']

const unpinned = arbCommitment().map((c): Commitment => ({ ...c, pins: { spki: [], backup: [] } }))

// A commitment goodObservation() meets, so that every strengthen step really runs (nothing is refused).
function compliant(c: Commitment, domain: string | undefined): Commitment {
  const { statusUrl: _url, domain: _domain, ...rest } = c
  const out: Commitment = {
    ...rest,
    endpoint: { host: 'imap.example.net', port: 993, transport: 'implicit-tls' },
    latches: [],
    directives: {},
  }
  if (domain !== undefined) out.domain = domain
  if (c.statusUrl !== undefined) out.statusUrl = c.statusUrl
  return out
}

describe('learning a status URL', () => {
  it('never learns a URL outside the committed registrable domain or mail domain', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        const r = strengthen(c, o, FIXED_NOW)
        const after = r.commitment.statusUrl
        if (after?.url === c.statusUrl?.url) return
        expect(c.statusUrl).toBeUndefined()
        expect(after).toBeDefined()
        expect(acceptedStatusUrl(r.commitment)).toBe(after?.url)
      }),
      { numRuns: 1000 },
    )
  })

  it('claims statusUrl in `learned` exactly when the saved URL changed', () => {
    fc.assert(
      fc.property(arbCommitment(), arbObservation(), (c, o) => {
        const r = strengthen(c, o, FIXED_NOW)
        const changed = r.commitment.statusUrl?.url !== c.statusUrl?.url
        expect(r.learned.includes('statusUrl')).toBe(changed)
      }),
      { numRuns: 1000 },
    )
  })

  it('keeps the first accepted URL through any later strengthen and merge', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('strengthen' as const), url: fc.constantFrom(...OBSERVED_STATUS_URLS) }),
      fc.record({ kind: fc.constant('merge' as const), other: unpinned }),
    )
    fc.assert(
      fc.property(
        unpinned,
        fc.array(fc.tuple(step, fc.constantFrom(...LATER)), { maxLength: 8 }),
        (c0, steps) => {
          const { statusUrl: _none, ...bare } = compliant(c0, c0.domain)
          const o = goodObservation({
            advertisement: { deep: { tags: [], url: 'https://status.example.net/first' } },
          })
          const first = strengthen(bare, o, FIXED_NOW).commitment
          expect(first.statusUrl).toEqual({ url: 'https://status.example.net/first', seenAt: FIXED_NOW })
          let c = first
          for (const [s, at] of steps) {
            if (s.kind === 'strengthen') {
              const o = goodObservation({
                advertisement: { deep: { tags: [], url: s.url }, sts: { stsUrl: s.url } },
              })
              c = strengthen(c, o, at).commitment
            } else {
              const other = compliant(s.other, c.domain)
              if (other.statusUrl !== undefined) other.statusUrl = { url: other.statusUrl.url, seenAt: at }
              c = merge(c, other)
            }
            expect(c.statusUrl).toEqual(first.statusUrl)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('picks the earliest URL (then the lexically smallest) in any merge order', () => {
    fc.assert(
      fc.property(fc.array(unpinned, { minLength: 1, maxLength: 4 }), (cs) => {
        const withUrl = cs.flatMap((c) => (c.statusUrl === undefined ? [] : [c.statusUrl]))
        const best = [...withUrl].sort((x, y) => (x.seenAt + x.url < y.seenAt + y.url ? -1 : 1))[0]
        const left = cs.reduce((acc, c) => merge(acc, c))
        const right = [...cs].reverse().reduce((acc, c) => merge(c, acc))
        expect(left.statusUrl).toEqual(best)
        expect(right.statusUrl).toEqual(best)
      }),
    )
  })
})

describe('strengthen() and status URLs', () => {
  const NOW = '2026-02-01T00:00:00.000Z'
  const withUrl = (url: string) => goodObservation({ advertisement: { deep: { tags: [], url } } })

  it('learns an in-scope URL once, and reports nothing when another one is advertised later', () => {
    const first = strengthen(sampleCommitment(), withUrl('https://status.example.net/a'), NOW)
    expect(first.learned).toEqual(['statusUrl'])
    const later = strengthen(
      first.commitment,
      withUrl('https://status.example.net/b'),
      '2026-03-01T00:00:00.000Z',
    )
    expect(later.learned).toEqual([])
    expect(later.commitment.statusUrl).toEqual({ url: 'https://status.example.net/a', seenAt: NOW })
    expect(later.commitment.provenance['statusUrl']?.lastConfirmed).toBe(NOW)
  })

  it('re-confirms the saved URL when it is advertised again', () => {
    const first = strengthen(sampleCommitment(), withUrl('https://status.example.net/a'), NOW).commitment
    const again = strengthen(first, withUrl('HTTPS://STATUS.example.net/a'), '2026-03-01T00:00:00.000Z')
    expect(again.learned).toEqual([])
    expect(again.commitment.provenance['statusUrl']?.lastConfirmed).toBe('2026-03-01T00:00:00.000Z')
  })

  it('ignores out-of-scope URLs and takes an in-scope sts-url instead (-05 §6)', () => {
    const o = goodObservation({
      advertisement: {
        deep: { tags: [], url: 'https://evil.test/' },
        sts: { stsUrl: 'https://example.net/sts' },
      },
    })
    expect(strengthen(sampleCommitment(), o, NOW).commitment.statusUrl?.url).toBe('https://example.net/sts')
  })

  it('accepts a URL under the mail domain only when the commitment knows that domain', () => {
    const o = withUrl('https://help.example.org/tls')
    expect(strengthen(sampleCommitment(), o, NOW).commitment.statusUrl).toBeUndefined()
    const c = sampleCommitment({ domain: 'example.org' })
    expect(strengthen(c, o, NOW).commitment.statusUrl?.url).toBe('https://help.example.org/tls')
  })

  it('stores the canonical form', () => {
    const r = strengthen(sampleCommitment(), withUrl('https://Status.Example.NET.:443/x'), NOW)
    expect(r.commitment.statusUrl?.url).toBe(
      acceptStatusUrl('https://status.example.net/x', { host: 'x.example.net' }),
    )
  })
})

describe('a store write (joinOnto)', () => {
  // Review of #12: seenAt is caller data, so a back-dated URL must not displace the saved one through a
  // plain strengthen; only the replace ceremony writes another URL.
  it('never changes a saved status URL, whatever the incoming seenAt', () => {
    fc.assert(
      fc.property(unpinned, unpinned, fc.constantFrom('1970-01-01T00:00:00.000Z', ...LATER), (a, b, t) => {
        const stored = compliant(a, undefined)
        const incoming = compliant(b, undefined)
        if (incoming.statusUrl !== undefined) incoming.statusUrl = { ...incoming.statusUrl, seenAt: t }
        const written = joinOnto(stored, incoming)
        if (stored.statusUrl !== undefined) expect(written.statusUrl).toEqual(stored.statusUrl)
        else expect(written.statusUrl).toEqual(merge(stored, incoming).statusUrl)
      }),
    )
  })

  it('is the join everywhere else', () => {
    fc.assert(
      fc.property(unpinned, unpinned, (a, b) => {
        const stored = compliant(a, undefined)
        const incoming = compliant(b, undefined)
        const { statusUrl: _w, ...written } = joinOnto(stored, incoming)
        const { statusUrl: _m, ...joined } = merge(stored, incoming)
        expect(written).toEqual(joined)
        expect(joinOnto(undefined, incoming)).toBe(incoming)
      }),
    )
  })
})
