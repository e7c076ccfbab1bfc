import diagnostics_channel from 'node:diagnostics_channel'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, isSdkError, type Report } from '@mua-sts/core'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { sampleReport } from '../../../../test/reports/sample-reports.js'
import { OUTBOX_CHANNEL, type OutboxEvent } from '../channels.js'
import { ReportDispatcher } from '../dispatcher.js'
import { TlsrptReportSchema } from '../tlsrpt/schema.js'
import { encodeFrame, MAX_RECORD_BYTES } from './frame.js'
import { JsonlOutbox } from './jsonl-outbox.js'

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'mua-sts-outbox-'))

const unsubscribe: Array<() => void> = []
function outboxEvents(): OutboxEvent[] {
  const seen: OutboxEvent[] = []
  const fn = (m: unknown): void => void seen.push(m as OutboxEvent)
  diagnostics_channel.subscribe(OUTBOX_CHANNEL, fn)
  unsubscribe.push(() => diagnostics_channel.unsubscribe(OUTBOX_CHANNEL, fn))
  return seen
}
afterEach(() => {
  for (const u of unsubscribe.splice(0)) u()
})

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('JsonlOutbox', () => {
  it('has the report on disk by the time dispatch() returns (before the guarded call can reject)', () => {
    const dir = tempDir()
    const dispatcher = new ReportDispatcher([new JsonlOutbox({ dir })])
    const r = sampleReport({ id: 'rep_durable_1' })
    dispatcher.dispatch(r)
    // A second, independent reader (as after a crash right now) already sees it.
    expect(new JsonlOutbox({ dir }).read().reports).toEqual([r])
  })

  it('writes one {"v":1,"sum","report"} line per record', () => {
    const dir = tempDir()
    const outbox = new JsonlOutbox({ dir })
    outbox.write(sampleReport({ id: 'rep_line_1' }))
    outbox.write(sampleReport({ id: 'rep_line_2' }))
    const [segment] = outbox.segments()
    const lines = readFileSync(outbox.segmentPath(segment ?? 0), 'utf8').split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('')
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ v: 1, sum: expect.stringMatching(/^[0-9a-f]{16}$/) })
    expect(JSON.parse(lines[1] ?? '').report.reportId).toBe('rep_line_2')
  })

  it('validates options eagerly and names the bad option', () => {
    const err = thrown(() => new JsonlOutbox({ dir: tempDir(), maxSegments: 1 }))
    expect(isSdkError(err, ErrorCode.InvalidOption)).toBe(true)
    expect((err as Error).message).toMatch(/JsonlOutbox options\.maxSegments/)
  })

  it('refuses a report that is not schema-valid instead of storing what no reader would accept', () => {
    const outbox = new JsonlOutbox({ dir: tempDir() })
    const bad = { ...sampleReport(), account: { ref: 'alice@example.net' } } as Report
    expect(
      isSdkError(
        thrown(() => outbox.write(bad)),
        ErrorCode.InvalidOption,
      ),
    ).toBe(true)
    expect(outbox.read().reports).toEqual([])
  })

  it('rotates by size and, over budget, drops the oldest segment and announces every record in it', () => {
    const events = outboxEvents()
    const outbox = new JsonlOutbox({ dir: tempDir(), maxSegmentBytes: 8192, maxSegments: 3 })
    const written = Array.from({ length: 40 }, (_, i) => sampleReport({ id: `rep_rot_${i}` }))
    for (const r of written) outbox.write(r)
    expect(outbox.segments()).toHaveLength(3)
    const dropped = events.flatMap((e) => (e.type === 'segment-dropped' ? [e] : []))
    expect(dropped.length).toBeGreaterThan(0)
    const kept = outbox.read().reports
    // Nothing disappears silently: what is left plus what was announced as dropped is everything.
    expect(kept.length + dropped.reduce((n, e) => n + e.records, 0)).toBe(written.length)
    expect(kept.map((r) => r.reportId)).toEqual(written.slice(-kept.length).map((r) => r.reportId))
    expect(events.some((e) => e.type === 'rotated')).toBe(true)
  })

  it('trims observed data from an oversized report, says so, and keeps the violation', () => {
    const events = outboxEvents()
    const outbox = new JsonlOutbox({ dir: tempDir() })
    const huge = sampleReport({ id: 'rep_huge', padding: 250 })
    expect(encodeFrame(huge).length).toBeGreaterThan(MAX_RECORD_BYTES)
    outbox.write(huge)
    const [stored] = outbox.read().reports
    expect(stored?.observed).toBeUndefined()
    expect(stored?.violations).toEqual(huge.violations)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'record-trimmed', reportId: 'rep_huge', removed: ['observed'] }),
    )
  })

  it('reads a time range [from, to) and returns each report id once', () => {
    const outbox = new JsonlOutbox({ dir: tempDir() })
    const at = ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'] as const
    for (const [i, t] of at.entries()) outbox.write(sampleReport({ id: `rep_range_${i}`, at: t }))
    outbox.write(sampleReport({ id: 'rep_range_1', at: at[1] }))
    const r = outbox.read({ from: new Date(at[1]), to: at[2] })
    expect(r.reports.map((x) => x.reportId)).toEqual(['rep_range_1'])
    expect(r.duplicates).toBe(1)
  })

  it('skips a torn last line and foreign lines, and never throws on them', () => {
    const outbox = new JsonlOutbox({ dir: tempDir() })
    outbox.write(sampleReport({ id: 'rep_before_tear' }))
    const path = outbox.segmentPath(outbox.segments()[0] ?? 0)
    appendFileSync(path, 'hello\n')
    appendFileSync(path, encodeFrame(sampleReport({ id: 'rep_torn' })).subarray(0, 200))
    const r = outbox.read()
    expect(r.reports.map((x) => x.reportId)).toEqual(['rep_before_tear'])
    expect(r.skipped).toBe(1)
    expect(r.incompleteBytes).toBe(200)
    // The next append (any process) lands after the fragment and is still read back.
    outbox.write(sampleReport({ id: 'rep_after_tear' }))
    expect(outbox.read().reports.map((x) => x.reportId)).toEqual(['rep_before_tear', 'rep_after_tear'])
  })

  it('exports the stored reports of a period as a schema-valid TLSRPT aggregate', () => {
    const outbox = new JsonlOutbox({ dir: tempDir() })
    outbox.write(sampleReport({ at: '2026-03-01T10:00:00.000Z', codes: ['certificate_expired'] }))
    outbox.write(sampleReport({ at: '2026-03-01T11:00:00.000Z', codes: ['starttls_not_offered'] }))
    outbox.write(sampleReport({ at: '2026-03-02T10:00:00.000Z', codes: ['dane_unsatisfied'] }))
    const doc = outbox.exportAggregate({
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-02T00:00:00Z',
      contactInfo: 'ops@example.com',
    })
    expect(TlsrptReportSchema.parse(doc)).toEqual(doc)
    expect(doc['report-id']).toMatch(/^mua-sts-[0-9a-f-]{36}$/)
    expect(doc.policies).toHaveLength(1)
    expect(doc.policies[0]?.summary['total-failure-session-count']).toBe(2)
    expect(doc.policies[0]?.['failure-details'].map((d) => d['result-type']).sort()).toEqual([
      'certificate-expired',
      'starttls-not-supported',
    ])
  })

  it('shares one outbox id between instances on the same directory', () => {
    const dir = tempDir()
    const a = new JsonlOutbox({ dir })
    const b = new JsonlOutbox({ dir })
    expect(a.id).toMatch(/^[0-9a-f]{32}$/)
    expect(b.id).toBe(a.id)
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('returns only schema-valid reports whatever bytes a segment holds (property, on disk)', () => {
    const outbox = new JsonlOutbox({ dir: tempDir() })
    outbox.write(sampleReport({ id: 'rep_seed' }))
    const path = outbox.segmentPath(outbox.segments()[0] ?? 0)
    const good = readFileSync(path)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 2048 }), (before, after) => {
        writeFileSync(path, Buffer.concat([before, Buffer.from('\n'), good, after]))
        const r = outbox.read()
        expect(r.reports.map((x) => x.reportId)).toContain('rep_seed')
        for (const report of r.reports) expect(report.schemaVersion).toBe(1)
      }),
      { numRuns: 100 },
    )
  })
})
