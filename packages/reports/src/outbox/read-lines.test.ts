import { describe, expect, it } from 'vitest'
import { sampleReport } from '../../../../test/reports/sample-reports.js'
import { encodeFrame, MAX_RECORD_BYTES } from './frame.js'
import { bytesReader, decodeLines, decodeOutboxBytes, readLines } from './read-lines.js'

function collect(bytes: Buffer, from = 0) {
  const lines = readLines(bytesReader(bytes), from)
  const out: Array<{ text: string; start: number; end: number; frontTruncated: boolean }> = []
  for (;;) {
    const next = lines.next()
    if (next.done === true) return { lines: out, tail: next.value }
    const { bytes: b, start, end, frontTruncated } = next.value
    out.push({ text: b.toString('latin1'), start, end, frontTruncated })
  }
}

describe('readLines()', () => {
  it('yields complete lines with exact file offsets and reports the unterminated tail', () => {
    const { lines, tail } = collect(Buffer.from('ab\n\ncde\nf'))
    expect(lines).toEqual([
      { text: 'ab', start: 0, end: 3, frontTruncated: false },
      { text: '', start: 3, end: 4, frontTruncated: false },
      { text: 'cde', start: 4, end: 8, frontTruncated: false },
    ])
    expect(tail).toEqual({ end: 8, incompleteBytes: 1 })
  })

  it('starts at a given offset (a delivery cursor)', () => {
    const { lines } = collect(Buffer.from('ab\ncd\n'), 3)
    expect(lines).toEqual([{ text: 'cd', start: 3, end: 6, frontTruncated: false }])
  })

  it('keeps only the last maxLine bytes of an over-long line', () => {
    const long = `${'x'.repeat(MAX_RECORD_BYTES * 3)}END\nok\n`
    const { lines } = collect(Buffer.from(long))
    expect(lines[0]?.frontTruncated).toBe(true)
    expect(lines[0]?.text.length).toBe(MAX_RECORD_BYTES)
    expect(lines[0]?.text.endsWith('END')).toBe(true)
    expect(lines[1]).toEqual({
      text: 'ok',
      start: MAX_RECORD_BYTES * 3 + 4,
      end: MAX_RECORD_BYTES * 3 + 7,
      frontTruncated: false,
    })
  })
})

describe('decodeLines()', () => {
  it('reads many records across read-chunk boundaries, each with the offset after its line', () => {
    const frames = Array.from({ length: 200 }, (_, i) =>
      encodeFrame(sampleReport({ id: `rep_chunk_${i}`, padding: i % 7 })),
    )
    const bytes = Buffer.concat(frames)
    const decoded = decodeOutboxBytes(bytes)
    expect(decoded.skipped).toBe(0)
    expect(decoded.incompleteBytes).toBe(0)
    expect(decoded.records.map((r) => r.report.reportId)).toEqual(frames.map((_, i) => `rep_chunk_${i}`))
    let end = 0
    decoded.records.forEach((r, i) => {
      end += frames[i]?.length ?? 0
      expect(r.end).toBe(end)
    })
  })

  it('skips a torn last line and garbage lines, keeping every complete record', () => {
    const a = encodeFrame(sampleReport({ id: 'rep_keep_a' }))
    const b = encodeFrame(sampleReport({ id: 'rep_keep_b' }))
    const torn = encodeFrame(sampleReport({ id: 'rep_torn_tail' })).subarray(0, 123)
    const bytes = Buffer.concat([a, Buffer.from('not json at all\n{"v":1}\n'), b, torn])
    const decoded = decodeLines(bytesReader(bytes))
    expect(decoded.records.map((r) => r.report.reportId)).toEqual(['rep_keep_a', 'rep_keep_b'])
    expect(decoded.skipped).toBe(2)
    expect(decoded.incompleteBytes).toBe(123)
  })

  it('recovers a record appended right after a torn fragment by another process', () => {
    const killed = encodeFrame(sampleReport({ id: 'rep_killed', padding: 100 }))
    const torn = killed.subarray(0, 4096) // cut at a page boundary, where a fatal signal can stop write(2)
    expect(torn.length).toBeLessThan(killed.length)
    const next = encodeFrame(sampleReport({ id: 'rep_next_writer' }))
    const decoded = decodeOutboxBytes(Buffer.concat([torn, next]))
    expect(decoded.records.map((r) => r.report.reportId)).toEqual(['rep_next_writer'])
    expect(decoded.skipped).toBe(1)
  })
})
