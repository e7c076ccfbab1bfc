// Measurement helpers. Traps we avoid (zod's bench notes): results are consumed (sink), runs are
// repeated and the median taken, comparisons are interleaved in one process, counts are fixed.

let sink = 0
/** Keeps results alive so the JIT cannot drop the measured work. */
export function consume(x: unknown): void {
  sink ^= typeof x === 'object' && x !== null ? 1 : Number(Boolean(x))
}
export function sinkValue(): number {
  return sink
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))
  return s[i] as number
}

/** Operations per second of a synchronous function: median over `runs` runs of `iterations` calls. */
export function opsPerSecond(fn: () => unknown, iterations = 200_000, runs = 7): number {
  for (let i = 0; i < 10_000; i++) consume(fn()) // warm-up
  const rates: number[] = []
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) consume(fn())
    const ns = Number(process.hrtime.bigint() - t0)
    rates.push((iterations * 1e9) / ns)
  }
  return median(rates)
}

/** Milliseconds taken by an async function. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  consume(await fn())
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/**
 * Interleaved A/B timing: alternates `a` and `b` `rounds` times (after `warmup` rounds each) and
 * returns both sample lists plus the median of per-round ratios a/b.
 */
export async function interleave(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  rounds = 30,
  warmup = 3,
): Promise<{ a: number[]; b: number[]; ratio: number }> {
  for (let i = 0; i < warmup; i++) {
    await a()
    await b()
  }
  const ta: number[] = []
  const tb: number[] = []
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      ta.push(await timeMs(a))
      tb.push(await timeMs(b))
    } else {
      tb.push(await timeMs(b))
      ta.push(await timeMs(a))
    }
  }
  return { a: ta, b: tb, ratio: median(ta) / median(tb) }
}
