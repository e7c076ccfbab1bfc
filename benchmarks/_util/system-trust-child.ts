// Child side of system-trust.ts: runs one bench module's `systemTrustRows(payload)` and prints its rows.
import { SYSTEM_TRUST_MARK } from './system-trust.js'
import type { BenchRow } from './types.js'

const mod = (await import(process.env['MUASTS_BENCH_MODULE'] as string)) as {
  systemTrustRows: (payload: unknown) => Promise<BenchRow[]>
}
const rows = await mod.systemTrustRows(JSON.parse(process.env['MUASTS_BENCH_PAYLOAD'] as string))
process.stdout.write(`${SYSTEM_TRUST_MARK}${JSON.stringify(rows)}\n`)
process.exit(0)
