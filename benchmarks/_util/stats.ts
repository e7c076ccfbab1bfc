// Statistics a sceptic can check: median, interquartile range and a percentile-bootstrap 95% confidence
// interval, for one sample list and for interleaved A/B pairs. The bootstrap uses a fixed-seed PRNG so
// the same samples always give the same interval. A target counts as met only when the whole interval
// is inside it (`ciHigh` for "≤" targets), never on the median alone.
import { median, percentile } from './measure.js'

export type Summary = {
  readonly n: number
  readonly median: number
  readonly q1: number
  readonly q3: number
  /** 95% bootstrap confidence interval of the statistic (the median unless said otherwise). */
  readonly ciLow: number
  readonly ciHigh: number
}

const RESAMPLES = 2_000

/** Mulberry32: small, fast, seeded; statistical quality is ample for resampling indices. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}

/** Bootstrap 95% CI of `stat` over resamples of the indices 0..n-1 (paired data stays paired). */
function bootstrap(n: number, stat: (idx: Uint32Array) => number): [number, number] {
  const rand = prng(0x5eed17)
  const stats: number[] = []
  const idx = new Uint32Array(n)
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rand() * n)
    stats.push(stat(idx))
  }
  stats.sort((x, y) => x - y)
  return [quantile(stats, 0.025), quantile(stats, 0.975)]
}

/** Median, IQR and the bootstrap CI of the median (or of the `p`th percentile when given). */
export function summarize(xs: readonly number[], p?: number): Summary {
  const sorted = [...xs].sort((a, b) => a - b)
  const stat = (v: number[]) => (p === undefined ? median(v) : percentile(v, p))
  const [ciLow, ciHigh] = bootstrap(xs.length, (idx) => stat(Array.from(idx, (i) => xs[i] as number)))
  return {
    n: xs.length,
    median: p === undefined ? quantile(sorted, 0.5) : percentile(xs, p),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    ciLow,
    ciHigh,
  }
}

/**
 * Interleaved A/B: the ratio median(a)/median(b) with the IQR of the per-round ratios and a paired
 * bootstrap CI (rounds are resampled together, so load that hit both arms of a round cancels).
 */
export function ratioSummary(a: readonly number[], b: readonly number[]): Summary {
  if (a.length !== b.length) throw new Error('A/B sample lists differ in length')
  const perRound = a.map((x, i) => x / (b[i] as number)).sort((x, y) => x - y)
  const [ciLow, ciHigh] = bootstrap(a.length, (idx) => {
    const ra = Array.from(idx, (i) => a[i] as number)
    const rb = Array.from(idx, (i) => b[i] as number)
    return median(ra) / median(rb)
  })
  return {
    n: a.length,
    median: median(a) / median(b),
    q1: quantile(perRound, 0.25),
    q3: quantile(perRound, 0.75),
    ciLow,
    ciHigh,
  }
}

/** "≤ target" verdict on the CI's upper bound. */
export function withinUpper(s: Summary, target: number): boolean {
  return s.ciHigh <= target
}
