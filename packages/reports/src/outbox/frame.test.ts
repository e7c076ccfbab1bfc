import { ReportSchema } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { sampleReport } from '../../../../test/reports/sample-reports.js'
import {
  decodeFrame,
  decodeLine,
  encodeFrame,
  FRAME_PREFIX,
  frameChecksum,
  MAX_RECORD_BYTES,
} from './frame.js'

function line(frame: Buffer): string {
  return frame.subarray(0, -1).toString('utf8')
}

describe('outbox frames', () => {
  it('round-trips a report through one newline-terminated line', () => {
    const r = sampleReport({ id: 'rep_frame_rt' })
    const frame = encodeFrame(r)
    expect(frame.at(-1)).toBe(10)
    expect(frame.indexOf(10)).toBe(frame.length - 1)
    expect(line(frame).startsWith(FRAME_PREFIX)).toBe(true)
    const decoded = decodeFrame(line(frame))
    expect(decoded).toEqual({ ok: true, report: r })
  })

  it('rejects a record whose content changed but still parses (checksum)', () => {
    const text = line(encodeFrame(sampleReport({ host: 'imap.example.net' })))
    const tampered = text.replace('"host":"imap.example.net"', '"host":"imap.example.org"')
    expect(tampered).not.toBe(text)
    expect(decodeFrame(tampered)).toEqual({ ok: false, reason: 'checksum_mismatch' })
  })

  it('rejects a line that is not a frame, and a frame whose report breaks the schema', () => {
    expect(decodeFrame('{"v":1,"report":{}}')).toEqual({ ok: false, reason: 'not_a_frame' })
    expect(decodeFrame('')).toEqual({ ok: false, reason: 'not_a_frame' })
    const bad = JSON.stringify({ ...sampleReport(), account: { ref: 'alice@example.net' } })
    expect(decodeFrame(`${FRAME_PREFIX}${frameChecksum(bad)}","report":${bad}}`)).toEqual({
      ok: false,
      reason: 'schema_invalid',
    })
  })

  it('recovers the record glued to a torn fragment, and counts the fragment as skipped', () => {
    const torn = encodeFrame(sampleReport({ id: 'rep_torn_first' })).subarray(0, 300)
    const whole = encodeFrame(sampleReport({ id: 'rep_glued_after' }))
    const glued = Buffer.concat([torn, torn.subarray(0, 20), whole.subarray(0, -1)])
    const outcome = decodeLine(glued, false)
    expect(outcome.skipped).toBe(true)
    expect(outcome.report?.reportId).toBe('rep_glued_after')
  })

  it('recovers a record from the kept tail of an over-long line', () => {
    const whole = encodeFrame(sampleReport({ id: 'rep_tail_kept' })).subarray(0, -1)
    expect(decodeLine(whole, true).report?.reportId).toBe('rep_tail_kept')
    expect(decodeLine(Buffer.from('x'.repeat(100)), true)).toEqual({ report: undefined, skipped: true })
  })

  it('keeps typical reports far below the record cap', () => {
    const r = sampleReport({ codes: ['tls_version_below_floor', 'certificate_expired', 'spki_pin_mismatch'] })
    expect(ReportSchema.parse(r)).toEqual(r)
    expect(encodeFrame(r).length).toBeLessThan(MAX_RECORD_BYTES / 8)
  })
})
