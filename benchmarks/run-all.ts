// `pnpm bench`: runs every benchmarks/<area>/*.bench.ts (or those whose path contains an argument)
// in one process, so comparisons against the bare libraries are measured side by side, and prints
// one table. Check the machine is otherwise idle: these are wall-clock figures.
import { readdirSync, statSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, relative } from 'node:path'
import type { BenchRow } from './_util/types.js'

const ROOT = import.meta.dirname
const filters = process.argv.slice(2)

function benchFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n)
      if (n === 'node_modules' || n === '_util') return []
      if (statSync(p).isDirectory()) return benchFiles(p)
      return n.endsWith('.bench.ts') ? [p] : []
    })
    .sort()
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  return v.toPrecision(3)
}

const files = benchFiles(ROOT).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
const rows: Array<BenchRow & { file: string }> = []
let failed = 0
for (const file of files) {
  const rel = relative(ROOT, file)
  process.stderr.write(`running ${rel} …\n`)
  try {
    const mod = (await import(file)) as { default: () => Promise<BenchRow[]> }
    for (const r of await mod.default()) rows.push({ ...r, file: rel })
  } catch (error) {
    failed++
    console.error(`${rel} failed:`, error)
  }
}
console.log(`\nmua-sts benchmarks — node ${process.version}, ${new Date().toISOString()}\n`)
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
)
console.log(['benchmark', 'value', 'unit', 'n', 'IQR', '95% CI', 'target', 'met', 'note'].join(' | '))
console.log('--- | ---: | --- | ---: | --- | --- | --- | --- | ---')
for (const r of rows) {
  const met = r.pass === undefined ? '' : r.pass ? 'yes' : 'NO'
  const s = r.stats
  const iqr = s === undefined ? '' : `${fmt(s.q1)}–${fmt(s.q3)}`
  const ci = s === undefined ? '' : `${fmt(s.ciLow)}–${fmt(s.ciHigh)}`
  const n = s === undefined ? '' : String(s.n)
  console.log([r.name, fmt(r.value), r.unit, n, iqr, ci, r.target ?? '', met, r.note ?? ''].join(' | '))
}
process.exitCode = failed > 0 ? 1 : 0
