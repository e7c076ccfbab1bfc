// The outbox under real processes: children appending concurrently to one directory, and children killed
// with SIGKILL in the middle of appending. The children run the real JsonlOutbox, bundled once with the
// esbuild that tsx ships (a bundled child starts in ~0.1 s instead of ~0.3 s under the tsx loader).
import { type ChildProcess, spawn } from 'node:child_process'
import diagnostics_channel from 'node:diagnostics_channel'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeOutboxBytes, JsonlOutbox, OUTBOX_CHANNEL, type OutboxEvent } from '@mua-sts/reports'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

type Build = (options: Record<string, unknown>) => Promise<unknown>
let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'mua-sts-outbox-procs-'))

beforeAll(async () => {
  const require = createRequire(import.meta.url)
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as { build: Build }
  bundle = join(work, 'outbox-writer.mjs')
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./fixtures/outbox-writer.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@mua-sts/source'],
    outfile: bundle,
    logLevel: 'warning',
  })
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

type Writer = {
  readonly child: ChildProcess
  readonly acked: string[]
  readonly events: OutboxEvent[]
  readonly ready: Promise<void>
  /** Resolves at the first `ack`: the writer is inside its append loop. */
  readonly appending: Promise<void>
  readonly exited: Promise<number | null>
}

/** Where a writer SIGKILLs itself during its first segment drop (see fixtures/outbox-writer.ts). */
type DiePoint = 'renamed' | 'intent' | 'unlinked'
type WriterOptions = {
  segmentBytes: number
  segments: number
  count: number
  tag: string
  gated?: boolean
  die?: DiePoint
}

function startWriter(dir: string, opts: WriterOptions): Writer {
  const args = [bundle, dir, String(opts.segmentBytes), String(opts.segments), String(opts.count), opts.tag]
  if (opts.gated === true) args.push('gated')
  else if (opts.die !== undefined) args.push(`die-${opts.die}`)
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const acked: string[] = []
  const events: OutboxEvent[] = []
  let pending = ''
  let onReady: () => void = () => undefined
  let onAck: () => void = () => undefined
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  const appending = new Promise<void>((resolve) => {
    onAck = resolve
  })
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? '' // a line cut by the kill is not an ack
    for (const line of lines) {
      if (line === 'ready') onReady()
      else if (line.startsWith('ack ')) {
        acked.push(line.slice(4))
        onAck()
      } else if (line.startsWith('event ')) events.push(JSON.parse(line.slice(6)) as OutboxEvent)
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, acked, events, ready, appending, exited }
}

/** Every complete line of every segment file, decoded independently of JsonlOutbox.read(). */
function rawSegments(outbox: JsonlOutbox) {
  return outbox.segments().map((seq) => decodeOutboxBytes(readFileSync(outbox.segmentPath(seq))))
}

describe('JsonlOutbox across processes', () => {
  it('loses no acknowledged report when writers are SIGKILLed mid-append, 100 times', async () => {
    const dir = join(work, 'killed')
    const outbox = new JsonlOutbox({ dir, maxSegmentBytes: 48 * 1024, maxSegments: 100_000 })
    const acked: string[] = []
    let kills = 0
    // Two lanes: each lets a writer append for 5-30 ms after its first acknowledged record, then
    // SIGKILLs it. The next writer starts (held at its gate) while the current one runs, so process
    // start-up overlaps the appends instead of adding to the test's run time.
    const spawnWriter = (tag: string): Writer =>
      startWriter(dir, { segmentBytes: 48 * 1024, segments: 100_000, count: 0, tag, gated: true })
    const lane = async (name: string): Promise<void> => {
      let next = spawnWriter(`${name}0`)
      for (let i = 0; i < 50; i++) {
        const w = next
        await w.ready
        w.child.stdin?.write('go\n')
        if (i < 49) next = spawnWriter(`${name}${i + 1}`)
        await Promise.race([w.appending, w.exited])
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 26)))
        w.child.kill('SIGKILL')
        await w.exited
        kills++
        acked.push(...w.acked)
        if (i % 10 === 9) {
          // The reader never throws mid-way either, whatever the other lane is doing right now.
          const ids = new Set(outbox.read().reports.map((r) => r.reportId))
          for (const id of w.acked) expect(ids.has(id)).toBe(true)
        }
      }
    }
    await Promise.all([lane('a'), lane('b')])
    expect(kills).toBe(100)
    expect(acked.length).toBeGreaterThanOrEqual(100) // every writer was killed inside its append loop

    const result = outbox.read()
    const present = new Set(result.reports.map((r) => r.reportId))
    const missing = acked.filter((id) => !present.has(id))
    expect(missing).toEqual([])
    // At most one torn record per kill, and it can only be a record that was never acknowledged.
    expect(result.skipped + (result.incompleteBytes > 0 ? 1 : 0)).toBeLessThanOrEqual(kills)
    // A writer killed right after creating a new segment (O_EXCL) leaves it empty; that loses nothing,
    // and the next writer appends to it. Anything else must parse.
    const empty = rawSegments(outbox).filter((seg) => seg.records.length === 0)
    expect(empty.length).toBeLessThanOrEqual(kills)
  }, 120_000)

  it('keeps every record of three concurrent writers, with no interleaved or corrupt line', async () => {
    const dir = join(work, 'concurrent')
    const writers = ['x', 'y', 'z'].map((tag) =>
      startWriter(dir, { segmentBytes: 16 * 1024, segments: 100_000, count: 150, tag }),
    )
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0, 0])
    const outbox = new JsonlOutbox({ dir })
    const result = outbox.read()
    expect(result).toMatchObject({ skipped: 0, incompleteBytes: 0, duplicates: 0 })
    const ids = result.reports.map((r) => r.reportId)
    expect(new Set(ids)).toEqual(new Set(writers.flatMap((w) => w.acked)))
    expect(ids).toHaveLength(450)
    // Each writer's own records stay in its order (one process appends sequentially).
    for (const w of writers) expect(ids.filter((id) => w.acked.includes(id))).toEqual(w.acked)
    // Rotation happened under contention, and every segment holds only whole, valid lines.
    expect(outbox.segments().length).toBeGreaterThan(10)
    for (const seg of rawSegments(outbox))
      expect({ skipped: seg.skipped, incomplete: seg.incompleteBytes }).toEqual({ skipped: 0, incomplete: 0 })
    // Exactly one process created each segment.
    const rotations = writers.flatMap((w) =>
      w.events.filter((e) => e.type === 'rotated').map((e) => (e as { segment: number }).segment),
    )
    expect(new Set(rotations).size).toBe(rotations.length)
  }, 60_000)

  it('announces every record it drops over budget, even with several writers rotating', async () => {
    const dir = join(work, 'budget')
    const writers = ['p', 'q'].map((tag) =>
      startWriter(dir, { segmentBytes: 8 * 1024, segments: 3, count: 120, tag }),
    )
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0])
    const events = writers.flatMap((w) => w.events)
    const dropped = events.reduce((n, e) => n + (e.type === 'segment-dropped' ? e.records : 0), 0)
    const retried = events.filter((e) => e.type === 'append-retried').length
    const acked = writers.reduce((n, w) => n + w.acked.length, 0)
    const kept = new JsonlOutbox({ dir, maxSegments: 3 }).read().reports.length
    expect(acked).toBe(240)
    expect(dropped).toBeGreaterThan(0)
    // kept + announced-as-dropped covers every acknowledged record; a retried append may count twice.
    expect(kept + dropped).toBeGreaterThanOrEqual(acked)
    expect(kept + dropped).toBeLessThanOrEqual(acked + retried)
  }, 60_000)

  // Issue #13 item 6: a writer killed anywhere inside its first drop (after the rename, after the
  // durable intent, after the unlink but before the announcement) must still have that drop announced,
  // once, by the next process that opens the outbox.
  for (const die of ['renamed', 'intent', 'unlinked'] as const) {
    it(`announces a drop whose writer was SIGKILLed after the segment was ${die}`, async () => {
      const dir = join(work, `die-${die}`)
      const w = startWriter(dir, { segmentBytes: 8 * 1024, segments: 2, count: 0, tag: die, die })
      expect(await w.exited).toBeNull() // killed by its own SIGKILL, never exited normally
      expect(w.events.filter((e) => e.type === 'segment-dropped')).toEqual([])
      const announced: OutboxEvent[] = []
      const listen = (e: unknown): void => {
        announced.push(e as OutboxEvent)
      }
      diagnostics_channel.subscribe(OUTBOX_CHANNEL, listen)
      let present: Set<string>
      try {
        const outbox = new JsonlOutbox({ dir, maxSegments: 2 }) // recovery runs on open
        present = new Set(outbox.read().reports.map((r) => r.reportId))
        outbox.close()
        const once = announced.length
        new JsonlOutbox({ dir, maxSegments: 2 }).close() // and announces only once
        expect(announced.length).toBe(once)
      } finally {
        diagnostics_channel.unsubscribe(OUTBOX_CHANNEL, listen)
      }
      const lost = w.acked.filter((id) => !present.has(id))
      expect(lost.length).toBeGreaterThan(0) // the first segment is gone: only an announcement remains
      expect(announced).toEqual([
        expect.objectContaining({ type: 'segment-dropped', dir, segment: 1, records: lost.length }),
      ])
      expect(readdirSync(dir).filter((n) => /\.(dropping|drop-intent|tmp)$/.test(n))).toEqual([])
    }, 30_000)
  }
})
