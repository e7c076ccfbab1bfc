// `mua-sts reports records` and the record-counting export (issue #14), in-process over a real outbox
// directory with an opted-in record log beside it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSecurityRecord, type SecurityRecord } from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { JsonlOutbox, JsonlRecordLog } from '@mua-sts/reports'
import { afterEach, describe, expect, it } from 'vitest'
import { memoryIo } from '../__tests__/memory-io.js'
import { EXIT } from '../exit.js'
import { main } from '../main.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function outboxWithRecords(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-records-'))
  dirs.push(dir)
  new JsonlOutbox({ dir })
  const log = new JsonlRecordLog({ dir: join(dir, 'records') })
  for (let i = 0; i < count; i++) log.writeRecord(record(i))
  return dir
}

function record(i: number): SecurityRecord {
  return buildSecurityRecord({
    recordId: `rec_cli_${String(i).padStart(4, '0')}`,
    now: `2026-03-01T0${i}:00:00.000Z`,
    account: 'acct_1',
    service: 'imap',
    commitment: sampleCommitment(),
    observation: goodObservation(),
    outcome: 'passed',
    socket: { group: 'X25519' },
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}

describe('mua-sts reports records', () => {
  it('shows the newest records as a table, or as JSONL', async () => {
    const dir = outboxWithRecords(3)
    const table = memoryIo()
    expect(await main(['reports', 'records', '-n', '2', '--outbox', dir], table.io)).toBe(EXIT.ok)
    expect(table.out[0]).toMatch(/RECORDED\s+SERVICE\s+ENDPOINT\s+OUTCOME\s+TLS\s+DANE\s+LATCHES/)
    expect(table.out).toHaveLength(3)
    expect(table.out[2]).toContain('TLSv1.3 TLS_AES_256_GCM_SHA384 X25519')
    const json = memoryIo()
    expect(await main(['reports', 'records', '--json', '--outbox', dir], json.io)).toBe(EXIT.ok)
    expect(json.out.map((l) => JSON.parse(l).recordId)).toEqual([
      'rec_cli_0000',
      'rec_cli_0001',
      'rec_cli_0002',
    ])
  })

  it('says how to opt in when the app keeps no records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-records-'))
    dirs.push(dir)
    new JsonlOutbox({ dir })
    const { io, out } = memoryIo()
    expect(await main(['reports', 'records', '--outbox', dir], io)).toBe(EXIT.ok)
    expect(out.join('\n')).toMatch(/JsonlRecordLog/)
  })

  it('export counts successful sessions from the records', async () => {
    const dir = outboxWithRecords(4)
    const { io, out } = memoryIo()
    const argv = [
      'reports',
      'export',
      '--from',
      '2026-03-01T00:00:00Z',
      '--to',
      '2026-03-02T00:00:00Z',
      '--outbox',
      dir,
    ]
    expect(await main(argv, io)).toBe(EXIT.ok)
    const doc = JSON.parse(out.join('\n'))
    expect(doc.policies[0].summary).toEqual({
      'total-successful-session-count': 4,
      'total-failure-session-count': 0,
    })
  })
})
