import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSecurityRecord, ErrorCode, type SecurityRecord } from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { ReportDispatcher } from '../dispatcher.js'
import { JsonlRecordLog, RECORD_LOG_FILE } from './record-log.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mua-sts-records-'))
  dirs.push(d)
  return d
}

let n = 0
function record(outcome: 'passed' | 'refused' = 'passed'): SecurityRecord {
  return buildSecurityRecord({
    recordId: `rec_${String(++n).padStart(8, '0')}`,
    now: '2026-03-01T09:00:00.000Z',
    account: 'acct_1',
    service: 'imap',
    commitment: sampleCommitment(),
    observation: goodObservation(),
    outcome,
    socket: { remoteAddress: '192.0.2.7', group: 'X25519' },
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}

describe('JsonlRecordLog', () => {
  it('keeps records only when added as a record sink, and reads them back', () => {
    const dir = tempDir()
    const log = new JsonlRecordLog({ dir: join(dir, 'records') })
    const withLog = new ReportDispatcher([], { recordSinks: [log] })
    const without = new ReportDispatcher()
    const a = record()
    without.dispatchRecord(record())
    withLog.dispatchRecord(a)
    expect(log.read()).toEqual({ records: [a], skipped: 0 })
  })

  it('writes nothing but the record schema: no credential, user name or mail address', () => {
    const log = new JsonlRecordLog({ dir: tempDir() })
    const sneaky = { ...record(), password: 'hunter2', user: 'alice@example.net' } as SecurityRecord
    expect(() => log.writeRecord(sneaky)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }))
    log.writeRecord(record())
    const text = readFileSync(join(log.dir, RECORD_LOG_FILE), 'utf8')
    expect(text).not.toMatch(/hunter2|alice|password/)
  })

  it('skips damaged lines and rotates at maxBytes, keeping one previous file', () => {
    const log = new JsonlRecordLog({ dir: tempDir(), maxBytes: 4096 })
    for (let i = 0; i < 12; i++) log.writeRecord(record())
    appendFileSync(join(log.dir, RECORD_LOG_FILE), '{"not":"a record"}\nnot json\n')
    const { records, skipped } = log.read()
    expect(skipped).toBe(2)
    expect(records.length).toBeGreaterThan(2)
    expect(records.length).toBeLessThan(12)
    expect(records.at(-1)?.recordId).toBe(`rec_${String(n).padStart(8, '0')}`)
  })

  it('a throwing record sink never reaches the caller', () => {
    const d = new ReportDispatcher([], {
      recordSinks: [
        {
          name: 'boom',
          writeRecord: () => {
            throw new Error('disk full')
          },
        },
      ],
    })
    expect(() => d.dispatchRecord(record())).not.toThrow()
  })
})
