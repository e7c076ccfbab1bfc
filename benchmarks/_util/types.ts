// Contract between benchmark files and the runner: each file under benchmarks/<area>/ exports
// `export default async function run(): Promise<BenchRow[]>`; run-all.ts imports and prints them.

export type BenchRow = {
  /** What was measured, e.g. "evaluate() ops/s" or "guarded/bare connect+login median ratio". */
  readonly name: string
  readonly value: number
  /** e.g. "ops/s", "ms", "µs", "ratio", "MB/s", "KiB". */
  readonly unit: string
  /** The target from the issue, e.g. "≥ 1,000,000", "≤ 1.05". */
  readonly target?: string
  /** Whether the target is met (undefined when there is no target); judged on the CI bound when there is one. */
  readonly pass?: boolean
  /** Sample count, interquartile range and 95% bootstrap CI of `value` (see _util/stats.ts). */
  readonly stats?: {
    readonly n: number
    readonly q1: number
    readonly q3: number
    readonly ciLow: number
    readonly ciHigh: number
  }
  /** Anything else a reader needs next to the figure, e.g. round trips counted by the relay. */
  readonly note?: string
}

export type Bench = () => Promise<BenchRow[]>
