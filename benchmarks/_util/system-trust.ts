// "System trust" rows: both arms use Node's default roots (no `ca` option anywhere), which trust the
// test CA only because a child process is started with NODE_EXTRA_CA_CERTS naming it (Node reads that
// variable once, at start-up). The child imports the bench module and calls its `systemTrustRows`
// export with `payload` (ports, credentials), then prints the rows as one JSON line.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchRow } from './types.js'

const MARK = 'MUASTS_BENCH_ROWS '

export async function inSystemTrust(
  caPem: string,
  benchModule: string,
  payload: unknown,
): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-bench-ca-'))
  try {
    const caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, caPem)
    const child = spawn(
      process.execPath,
      [...process.execArgv, join(import.meta.dirname, 'system-trust-child.ts')],
      {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: caFile,
          MUASTS_BENCH_MODULE: benchModule,
          MUASTS_BENCH_PAYLOAD: JSON.stringify(payload),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8')
    })
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    const line = out.split('\n').find((l) => l.startsWith(MARK))
    if (code !== 0 || line === undefined) throw new Error(`system-trust child failed (exit ${code})`)
    return JSON.parse(line.slice(MARK.length)) as BenchRow[]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const SYSTEM_TRUST_MARK = MARK
