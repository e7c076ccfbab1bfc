// When a check made at one moment still holds later without being repeated. Two shortcuts rest on it:
// the account-file read cache (a verified body stands while its file is unchanged) and reads against a
// keychain anchor that is already in hand (account-files.ts). Both use one fact of POSIX file systems:
// every change that can put other bytes under a name (write, truncate, rename(2) into place, link(2))
// sets the file's change time (ctime) to the current time, and no call sets it back (utimes(2) moves
// ctime to now too). So a file whose ctime lies before a moment has been exactly this file since then.
//
// Two limits are handled here. Timestamps are coarse (a kernel tick on Linux, 1-2 s on FAT, ext3 or
// HFS+), and are truncated, so a change made just after a moment can carry a ctime just before it: a
// ctime counts only once it is a margin in the past, and a ctime on a whole second (a coarse file
// system) gets the widest margin. And the wall clock can be stepped back: the monotonic clock notices.
import type { BigIntStats } from 'node:fs'

/** Margin for file systems with sub-second timestamps (git calls the same problem "racily clean"). */
const FINE_MARGIN_MS = 100
/** Margin when the ctime is a whole second: FAT has 2-second timestamps, ext3 and HFS+ 1-second ones. */
const COARSE_MARGIN_MS = 2_100
/** How far the wall clock may fall behind the monotonic clock before a remembered moment is refused. */
const CLOCK_STEP_MS = 50

/** A moment on the wall clock (comparable with file times) and on the monotonic clock. */
export type Instant = { readonly wallMs: number; readonly monoMs: number }

/** Now, on both clocks. Reads the clock. */
export function instant(): Instant {
  return { wallMs: Date.now(), monoMs: performance.now() }
}

/**
 * The wall-clock time after which a file with this ctime has provably not changed since: any later
 * change would carry a later ctime. Pure.
 */
export function settledAtMs(st: Pick<BigIntStats, 'ctimeNs'>): number {
  const coarse = st.ctimeNs % 1_000_000_000n === 0n
  return Number(st.ctimeNs / 1_000_000n) + (coarse ? COARSE_MARGIN_MS : FINE_MARGIN_MS)
}

/** True once a file that settles at `settledAt` can be trusted to stay as it is until it changes. Reads the clock. */
export function settledNow(settledAt: number): boolean {
  return Date.now() > settledAt
}

/**
 * True if a file that settles at `settledAt` has been in place, unchanged, since before `at`, and the
 * wall clock has not been stepped back since `at` (which could make a later file look older). Reads
 * the clock.
 */
export function unchangedSince(settledAt: number, at: Instant): boolean {
  const now = instant()
  const steppedBack = now.monoMs - at.monoMs - (now.wallMs - at.wallMs) > CLOCK_STEP_MS
  return !steppedBack && settledAt < at.wallMs
}
