#!/usr/bin/env node
// `npm run fuzz`: the guard fuzzer at full size (issue #13 item 7). Generated hostile server streams
// drive the public connect functions (connectImap, the guarded SMTP transport's verify(), connectPop3)
// over loopback sockets, one scripted server per case, in parallel worker processes. Property: no
// crash, no unhandled rejection, no hang past the deadline, a coded error or a client, and no
// credential byte before a passed check. Exit code 1 if any case failed. See docs/fuzzing.md.
//
//   node scripts/fuzz.mjs [--cases 100000] [--start 0] [--protocols smtp,pop3,imap] [--seed N]
//                         [--workers <cores>] [--concurrency 24] [--chunk 5000] [--out results.json]
//
// `--start` runs case indices [start, start + cases) of the seed's stream (to resume or split a run). A
// worker that cannot start (e.g. the tree does not load) is an aborted chunk, not a crash.
//
// Reproduce a failing case: it is `sampleCases(protocol, seed + Math.floor(index / 500), 500)[index % 500]`
// from test/fuzz/scripts.ts (the worker prints seed and index).
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BATCH = 500 // must match test/fuzz/campaign.ts

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]
}
function int(name, fallback) {
  const v = Number(option(name, String(fallback)))
  if (!Number.isInteger(v) || v < 1) {
    console.error(`fuzz: --${name} must be a positive integer`)
    process.exit(2)
  }
  return v
}

const cases = int('cases', 100_000)
const first = Number(option('start', '0'))
if (!Number.isInteger(first) || first < 0 || first % BATCH !== 0) {
  console.error(`fuzz: --start must be a non-negative multiple of ${BATCH}`)
  process.exit(2)
}
const out = option('out', undefined)
const chunk = Math.ceil(int('chunk', 5_000) / BATCH) * BATCH
const workers = int('workers', availableParallelism())
const concurrency = int('concurrency', 24)
const seed = int('seed', 1 + Math.floor(Math.random() * 2 ** 30))
const protocols = option('protocols', 'smtp,pop3,imap').split(',')
for (const p of protocols) {
  if (!['smtp', 'pop3', 'imap'].includes(p)) {
    console.error(`fuzz: unknown protocol ${p}`)
    process.exit(2)
  }
}

console.log(
  `fuzz: ${cases} cases per protocol (${protocols.join(', ')}), seed ${seed}, ${workers} workers × ${concurrency} concurrent cases`,
)

// Chunk j of a protocol covers case indices [j·chunk, (j+1)·chunk): its batches use seed + index/BATCH.
const jobs = []
for (const protocol of protocols) {
  for (let start = first; start < first + cases; start += chunk) {
    jobs.push({ protocol, start, count: Math.min(chunk, first + cases - start), seed: seed + start / BATCH })
  }
}

const totals = Object.fromEntries(
  protocols.map((p) => [
    p,
    {
      cases: 0,
      clients: 0,
      errors: 0,
      hangs: 0,
      leaks: 0,
      uncoded: 0,
      crashes: 0,
      aborted: [],
      failures: [],
    },
  ]),
)
const started = Date.now()

function runJob(job) {
  return new Promise((resolve) => {
    const args = [
      '--conditions=@mua-sts/source',
      'test/fuzz/worker.ts',
      job.protocol,
      String(job.seed),
      String(job.count),
      String(concurrency),
    ]
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let pending = ''
    let result
    child.stdout.setEncoding('utf8').on('data', (text) => {
      pending += text
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const msg = JSON.parse(line)
        if (msg.type === 'result') result = msg
      }
    })
    child.on('close', (code) => {
      const t = totals[job.protocol]
      if (result === undefined) {
        // The worker never reported, so its cases did not run (a crash inside a case is caught and
        // counted by the worker itself). Listed, and never counted as passed.
        t.aborted.push({ start: job.start, count: job.count, seed: job.seed, exit: code })
      } else {
        for (const k of ['cases', 'clients', 'errors', 'hangs', 'leaks', 'uncoded', 'crashes'])
          t[k] += result[k]
        for (const f of result.failures)
          t.failures.push({ seed: job.seed, ...f, index: f.index < 0 ? -1 : job.start + f.index })
      }
      const s = Math.round((Date.now() - started) / 1000)
      console.log(
        `fuzz: ${job.protocol} cases ${job.start}..${job.start + job.count - 1} (seed ${job.seed}) done at ${s}s`,
      )
      resolve()
    })
  })
}

let next = 0
await Promise.all(
  Array.from({ length: Math.min(workers, jobs.length) }, async () => {
    for (let j = next++; j < jobs.length; j = next++) await runJob(jobs[j])
  }),
)

let failed = false
console.log(
  `\nfuzz: seed ${seed}, cases ${first}..${first + cases - 1}, ${Math.round((Date.now() - started) / 1000)} s`,
)
console.log('protocol  cases    clients  errors   hangs  leaks  uncoded  crashes  aborted-chunks')
for (const [p, t] of Object.entries(totals)) {
  console.log(
    `${p.padEnd(9)} ${String(t.cases).padEnd(8)} ${String(t.clients).padEnd(8)} ${String(t.errors).padEnd(8)} ${String(t.hangs).padEnd(6)} ${String(t.leaks).padEnd(6)} ${String(t.uncoded).padEnd(8)} ${String(t.crashes).padEnd(8)} ${t.aborted.length}`,
  )
  if (t.hangs + t.leaks + t.uncoded + t.crashes + t.aborted.length > 0) failed = true
  for (const f of t.failures.slice(0, 10))
    console.log(`  ${p} seed ${f.seed} case ${f.index}: ${f.failure}: ${f.detail}`)
  for (const a of t.aborted)
    console.log(`  ${p} cases ${a.start}..${a.start + a.count - 1} did not run (exit ${a.exit})`)
}
if (out !== undefined) writeFileSync(out, `${JSON.stringify({ seed, first, cases, totals }, null, 2)}\n`)
process.exit(failed ? 1 : 0)
