// Where a small POP3 session spends its time, step by step, for each arm of pop3.bench.ts (issue #17):
// not a benchmark row, a profile. Both arms run interleaved against the same Dovecot (1 KB message,
// custom CA); for each step the table gives the median time from the previous event on the client's TLS
// socket (data received, a command written, the handshake completed) to this one. Steps where the
// client waits are the server's; the others are the client's critical path. No relay: nothing but the
// two clients and the server share the machine. It also gives the CPU time this process spent per
// session (process.cpuUsage around each session; one session runs at a time, the server is another
// process), so the client's own cost is seen apart from the server's.
//   npm run build && cd benchmarks && pnpm exec tsx pop3/steps.ts [rounds]   (measures the built dist/)
import tls from 'node:tls'
import { testPki } from '../../test/support/certs.js'
import { ratioSummary, type Summary, summarize } from '../_util/stats.js'
import { bigMessage, clients, startTarget } from './pop3.bench.js'

const ROUNDS = Number(process.argv[2] ?? 200)
const now = (): number => Number(process.hrtime.bigint()) / 1e3

type Event = { readonly label: string; readonly at: number }
let events: Event[] = []
let lastWrite: string | undefined
// Every TLS socket of this process is one of the two clients, one session at a time.
const proto = tls.TLSSocket.prototype as unknown as {
  emit: (event: string | symbol, ...args: unknown[]) => boolean
  write: (...args: unknown[]) => boolean
}
const { emit, write } = proto
proto.emit = function (this: unknown, event, ...args) {
  if (event === 'secureConnect') events.push({ label: 'handshake done', at: now() })
  if (event === 'data') {
    const label = lastWrite === undefined ? 'greeting' : `reply to ${lastWrite}`
    const prev = events.at(-1)?.label
    events.push({
      label: prev === label || prev === `${label} (more)` ? `${label} (more)` : label,
      at: now(),
    })
  }
  return emit.call(this, event, ...args)
}
proto.write = function (this: unknown, ...args) {
  // A pipelined write (USER and PASS in one, RFC 2449 §6.6) is labelled with both verbs.
  lastWrite = String(args[0])
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[0])
    .join('+')
  events.push({ label: `write ${lastWrite}`, at: now() })
  return write.apply(this, args)
}

const target = await startTarget([bigMessage(1024)])
try {
  const { guarded, nodePop3 } = await clients(
    target.port,
    target,
    testPki().caCert,
    1,
    target.sizes[0] as number,
  )
  const arms = { connectPop3: guarded, 'node-pop3': nodePop3 }
  const gaps: Record<string, Map<string, number[]>> = { connectPop3: new Map(), 'node-pop3': new Map() }
  const cpu: Record<keyof typeof arms, number[]> = { connectPop3: [], 'node-pop3': [] }
  for (let i = 0; i < ROUNDS + 5; i++) {
    const order =
      i % 2 === 0 ? (['connectPop3', 'node-pop3'] as const) : (['node-pop3', 'connectPop3'] as const)
    for (const arm of order) {
      events = [{ label: 'start', at: now() }]
      lastWrite = undefined
      const cpuBefore = process.cpuUsage()
      await arms[arm]()
      const used = process.cpuUsage(cpuBefore)
      events.push({ label: 'done', at: now() })
      if (i < 5) continue // warm-up
      cpu[arm].push(used.user + used.system)
      for (let k = 1; k < events.length; k++) {
        const e = events[k] as Event
        const key = e.label
        const list = gaps[arm]?.get(key) ?? []
        list.push(e.at - (events[k - 1] as Event).at)
        gaps[arm]?.set(key, list)
      }
    }
  }
  const a = gaps['connectPop3'] as Map<string, number[]>
  const b = gaps['node-pop3'] as Map<string, number[]>
  const med = (xs: number[] | undefined) => (xs === undefined ? Number.NaN : summarize(xs).median)
  console.log(`POP3 1 KB session, custom CA, ${target.name}, n = ${ROUNDS} interleaved rounds, medians in µs`)
  console.log('step (time since the previous event) | connectPop3 | node-pop3 | difference')
  console.log('--- | ---: | ---: | ---:')
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = med(a.get(key))
    const y = med(b.get(key))
    console.log(`${key} | ${x.toFixed(0)} | ${y.toFixed(0)} | ${(x - y).toFixed(0)}`)
  }
  // One row per arm and one for the paired ratio: median, IQR, bootstrap 95% CI (µs, or a ratio).
  const row = (name: string, x: Summary, digits: number) =>
    `${name} | ${[x.median, x.q1, x.q3, x.ciLow, x.ciHigh].map((v) => v.toFixed(digits)).join(' | ')}`
  console.log(`\nclient CPU per session (user+system, this process), n = ${ROUNDS}, µs`)
  console.log('arm | median | Q1 | Q3 | CI low | CI high\n--- | ---: | ---: | ---: | ---: | ---:')
  console.log(row('connectPop3', summarize(cpu.connectPop3), 0))
  console.log(row('node-pop3', summarize(cpu['node-pop3']), 0))
  console.log(row('ratio', ratioSummary(cpu.connectPop3, cpu['node-pop3']), 3))
} finally {
  await target.stop()
}
