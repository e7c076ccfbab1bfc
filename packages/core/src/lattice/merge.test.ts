// merge() cases the property tests do not pin down: the mail domain, and provenance of dropped pins.
import { describe, expect, it } from 'vitest'
import { THIRD_SPKI } from '../testing/arbitraries.js'
import { OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { merge } from './merge.js'

describe('merge() and the mail domain', () => {
  it('keeps the domain that one side knows', () => {
    const known = sampleCommitment({ domain: 'example.net' })
    expect(merge(known, sampleCommitment()).domain).toBe('example.net')
    expect(merge(sampleCommitment(), known).domain).toBe('example.net')
    expect(merge(sampleCommitment(), sampleCommitment())).not.toHaveProperty('domain')
  })

  it('refuses two different domains like two different endpoints (the account moved)', () => {
    const a = sampleCommitment({ domain: 'example.net' })
    const b = sampleCommitment({ domain: 'example.org' })
    expect(() => merge(a, b)).toThrow(
      expect.objectContaining({
        code: 'MUASTS_ERR_COMMITMENT_MISMATCH',
        details: { a: 'example.net', b: 'example.org' },
      }),
    )
  })
})

describe('merge() and pin provenance', () => {
  const prov = {
    source: 'setup' as const,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastConfirmed: '2026-01-01T00:00:00.000Z',
  }
  const pinned = (keys: string[]) =>
    sampleCommitment({
      pins: { spki: keys, backup: [] },
      provenance: Object.fromEntries(keys.map((k) => [`pin:${k}`, prov])),
    })

  it('drops the provenance of a key the join no longer accepts', () => {
    const j = merge(pinned([SAMPLE_SPKI, OTHER_SPKI].sort()), pinned([OTHER_SPKI, THIRD_SPKI].sort()))
    expect(j.pins).toEqual({ spki: [OTHER_SPKI], backup: [] })
    expect(Object.keys(j.provenance)).toEqual([`pin:${OTHER_SPKI}`])
  })
})
