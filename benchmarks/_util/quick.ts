// Knobs for iterating on one benchmark on a busy machine: fewer rounds, fewer sizes. Never for the
// published figures (docs/benchmarks.md is measured with the defaults, and says so). Unset = defaults.
//   MUASTS_BENCH_ROUNDS=40          rounds of every A/B row and samples of the store rows
//   MUASTS_BENCH_SIZES=1 KB,1 MB    only the sizes listed (pop3: "1 KB", "1 MB", "20 MB"; store: "10000")

/** The rounds to run: `MUASTS_BENCH_ROUNDS` if set (at least 10), else `fallback`. */
export function rounds(fallback: number): number {
  const v = Number(process.env['MUASTS_BENCH_ROUNDS'])
  return Number.isInteger(v) && v >= 10 ? v : fallback
}

/** The sizes to run: those whose label `MUASTS_BENCH_SIZES` lists, else all. */
export function sizes<T>(all: readonly T[], label: (t: T) => string): readonly T[] {
  const wanted = process.env['MUASTS_BENCH_SIZES']?.split(',').map((s) => s.trim())
  return wanted === undefined ? all : all.filter((t) => wanted.includes(label(t)))
}
