import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_RETRY } from './backoff.js'

describe('backoffDelay()', () => {
  it('doubles the ceiling per failure up to the maximum, with jitter in the upper half', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500])
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000,
    ])
  })

  it('always stays within [ceiling/2, ceiling] for any jitter source, even a broken one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.oneof(fc.double(), fc.constant(Number.NaN)),
        (failures, r) => {
          const d = backoffDelay(failures, DEFAULT_RETRY, () => r)
          const ceiling = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (failures - 1))
          expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2))
          expect(d).toBeLessThanOrEqual(ceiling)
        },
      ),
    )
  })
})
