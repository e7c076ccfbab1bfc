// Recovery of drops left half-done by a process that died (the SIGKILL version of these runs in
// test/reports/outbox-processes.test.ts): announced once, damaged files kept, live owners left alone.
import diagnostics_channel from 'node:diagnostics_channel'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OUTBOX_CHANNEL, type OutboxEvent } from '../channels.js'
import { recoverDrops } from './drop.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

// A pid no process has: above Linux's pid_max ceiling (2^22).
const DEAD = 4_194_305

function outboxDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-drop-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

function recovered(dir: string): OutboxEvent[] {
  const events: OutboxEvent[] = []
  const listen = (e: unknown): void => {
    events.push(e as OutboxEvent)
  }
  diagnostics_channel.subscribe(OUTBOX_CHANNEL, listen)
  try {
    recoverDrops(dir)
  } finally {
    diagnostics_channel.unsubscribe(OUTBOX_CHANNEL, listen)
  }
  return events
}

const intent = (segment: number, records: number) =>
  JSON.stringify({ segment, records, bytes: records * 100 })

describe('recoverDrops', () => {
  it("announces a dead owner's durable intent once, then forgets it", () => {
    const dir = outboxDir({ [`reports-000000000004.jsonl.${DEAD}.0a0b.drop-intent`]: intent(4, 7) })
    expect(recovered(dir)).toEqual([{ type: 'segment-dropped', dir, segment: 4, records: 7, bytes: 700 }])
    expect(readdirSync(dir)).toEqual([])
    expect(recovered(dir)).toEqual([])
  })

  it('counts only the intent when the renamed segment is still there too (no double announcement)', () => {
    const dir = outboxDir({
      [`reports-000000000002.jsonl.${DEAD}.0c0d.dropping`]: 'anything\n',
      [`reports-000000000002.jsonl.${DEAD}.0c0d.drop-intent`]: intent(2, 3),
    })
    expect(recovered(dir)).toEqual([{ type: 'segment-dropped', dir, segment: 2, records: 3, bytes: 300 }])
    expect(readdirSync(dir)).toEqual([])
  })

  it('keeps a damaged intent instead of announcing a guess, and removes stray temporary files', () => {
    const dir = outboxDir({
      [`reports-000000000001.jsonl.${DEAD}.0e0f.drop-intent`]: '{"segment":1,"records":"many"}',
      [`reports-000000000003.jsonl.${DEAD}.1a1b.drop-intent.tmp`]: '{"seg',
    })
    expect(recovered(dir)).toEqual([])
    const left = readdirSync(dir)
    expect(left).toHaveLength(1)
    expect(left[0]).toMatch(/^reports-000000000001\.jsonl\.\d+\.[0-9a-f]+\.drop-intent$/)
  })

  it('leaves the files of a live owner alone (it is still finishing its drop)', () => {
    const live = `reports-000000000005.jsonl.${process.ppid}.2a2b.drop-intent`
    const dir = outboxDir({ [live]: intent(5, 1) })
    expect(recovered(dir)).toEqual([])
    expect(readdirSync(dir)).toEqual([live])
  })
})
