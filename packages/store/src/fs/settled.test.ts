import { describe, expect, it } from 'vitest'
import { instant, settledAtMs, unchangedSince } from './settled.js'

const ns = (ms: number) => BigInt(ms) * 1_000_000n

describe('settled file times', () => {
  it('adds a margin to a fine-grained ctime, and a wider one to a ctime on a whole second', () => {
    expect(settledAtMs({ ctimeNs: ns(1_700_000_000_123) + 456n })).toBe(1_700_000_000_123 + 100)
    expect(settledAtMs({ ctimeNs: ns(1_700_000_000_000) })).toBe(1_700_000_000_000 + 2_100)
  })

  it('counts a file as unchanged since a moment only if it settled before it', () => {
    const at = instant()
    expect(unchangedSince(at.wallMs - 1, at)).toBe(true)
    expect(unchangedSince(at.wallMs, at)).toBe(false)
    expect(unchangedSince(at.wallMs + 1_000, at)).toBe(false)
  })

  it('refuses a remembered moment once the wall clock was stepped back since', () => {
    const now = instant()
    // Remembered 1 s ago on the monotonic clock, but the wall clock shows no time passed: stepped back.
    const at = { wallMs: now.wallMs, monoMs: now.monoMs - 1_000 }
    expect(unchangedSince(at.wallMs - 10_000, at)).toBe(false)
    // A wall clock that moved forward (or kept pace) is fine: it can only make files look newer.
    expect(
      unchangedSince(now.wallMs - 20_000, { wallMs: now.wallMs - 5_000, monoMs: now.monoMs - 1_000 }),
    ).toBe(true)
  })
})
