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
  /** Whether the target is met (undefined when there is no target). */
  readonly pass?: boolean
}

export type Bench = () => Promise<BenchRow[]>
