// The single-use ledger stays bounded without ever letting a used seal through: evicting an entry
// raises a floor at or below which every proposal counts as expired.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkAge, SealLedger } from './proposal-freshness.js'

const T0 = Date.parse('2026-03-01T09:00:00.000Z')
const iso = (ms: number) => new Date(T0 + ms).toISOString()
const reason = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return (e as { details?: { reason?: unknown } }).details?.reason
  }
  return undefined
}

describe('checkAge', () => {
  it('accepts exactly the window [-skew, maxAge]', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3_600_000, max: 7_200_000 }), (age) => {
        const r = reason(() => checkAge(iso(0), new Date(T0 + age), 3_600_000))
        expect(r).toBe(age <= 3_600_000 && age >= -300_000 ? undefined : 'expired')
      }),
    )
  })
})

describe('SealLedger', () => {
  it('refuses a kept seal and a seal in flight, forgets a released one', () => {
    const ledger = new SealLedger(8)
    const a = ledger.claim('a', iso(0), new Date(T0))
    expect(reason(() => ledger.claim('a', iso(0), new Date(T0)))).toBe('reused')
    a.release()
    const again = ledger.claim('a', iso(0), new Date(T0))
    again.keep()
    again.release()
    expect(reason(() => ledger.claim('a', iso(0), new Date(T0)))).toBe('reused')
  })

  it('never holds more than its capacity, and never lets a kept seal through again', () => {
    fc.assert(
      fc.property(
        // A seal covers generatedAt, so one seal always comes with one time (several seals may share it).
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }),
        (ops) => {
          const ledger = new SealLedger(4)
          const kept = new Set<string>()
          for (const id of ops) {
            const seal = `s${id}`
            const r = reason(() => ledger.claim(seal, iso((id * 7) % 13), new Date(T0 + 1000)).keep())
            if (kept.has(seal)) expect(r).not.toBeUndefined()
            if (r === undefined) kept.add(seal)
            expect(ledger.size).toBeLessThanOrEqual(4)
          }
        },
      ),
    )
  })

  it('after eviction, refuses proposals at or below the floor as expired and accepts newer ones', () => {
    const ledger = new SealLedger(2)
    ledger.claim('a', iso(1), new Date(T0)).keep()
    ledger.claim('b', iso(2), new Date(T0)).keep()
    ledger.claim('c', iso(3), new Date(T0)).keep() // evicts a; floor = 1
    expect(reason(() => ledger.claim('a', iso(1), new Date(T0)))).toBe('expired')
    expect(reason(() => ledger.claim('z', iso(0), new Date(T0)))).toBe('expired')
    expect(reason(() => ledger.claim('d', iso(4), new Date(T0)))).toBeUndefined()
  })

  it('drops used seals once no confirm() could accept their proposal anyway', () => {
    const ledger = new SealLedger(8, 1000)
    ledger.claim('a', iso(0), new Date(T0)).keep()
    expect(ledger.size).toBe(1)
    ledger.claim('b', iso(2000), new Date(T0 + 2000)).keep()
    expect(ledger.size).toBe(1)
  })
})
