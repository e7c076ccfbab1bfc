import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deriveKeys, newMasterKey } from '../integrity/keys.js'
import { emptyMarks, type Marks, withAuditHead } from '../integrity/mark-snapshot.js'
import { AUDIT_FILE, AuditLog, type StoreAuditRecord } from './audit-log.js'

const keys = deriveKeys(newMasterKey())
let dir: string
let log: AuditLog
let marks: Marks
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-audit-'))
  log = new AuditLog(dir, keys)
  marks = emptyMarks()
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const record = (reason: string): StoreAuditRecord => ({
  kind: 'forget',
  at: '2026-01-01T00:00:00.000Z',
  account: 'acct_1',
  services: ['imap'],
  actor: 'user',
  reason,
  removed: [sampleCommitment()],
})

async function append(reason: string): Promise<void> {
  const head = await log.append(record(reason), marks)
  marks = withAuditHead(marks, head.records, head.head)
}
const path = () => join(dir, AUDIT_FILE)
const lines = () => readFileSync(path(), 'utf8').split('\n').filter(Boolean)

describe('AuditLog', () => {
  it('reads back what was appended, oldest first', async () => {
    await append('first reason')
    await append('second reason')
    expect((await log.read(marks)).map((r) => r.reason)).toEqual(['first reason', 'second reason'])
  })

  it('reads an empty list when there is no log yet', async () => {
    expect(await log.read(marks)).toEqual([])
  })

  it('ignores a torn last line and cuts it off on the next append', async () => {
    await append('first reason')
    appendFileSync(path(), '{"n":2,"prev":')
    expect(await log.read(marks)).toHaveLength(1)
    await append('second reason')
    expect(lines()).toHaveLength(2)
    expect((await log.read(marks)).map((r) => r.reason)).toEqual(['first reason', 'second reason'])
  })

  it('detects an edited record', async () => {
    await append('first reason')
    writeFileSync(path(), readFileSync(path(), 'utf8').replace('first reason', 'other reason'))
    await expect(log.read(marks)).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
  })

  it('detects a removed record in the middle (the chain breaks)', async () => {
    await append('first reason')
    await append('second reason')
    await append('third reason')
    const [a, , c] = lines()
    writeFileSync(path(), `${a}\n${c}\n`)
    await expect(log.read(marks)).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
  })

  it('detects trailing records cut off or the whole log deleted, via the high-water mark', async () => {
    await append('first reason')
    await append('second reason')
    const [a] = lines()
    writeFileSync(path(), `${a}\n`)
    await expect(log.read(marks)).rejects.toMatchObject({ code: ErrorCode.StoreRollback })
    rmSync(path())
    await expect(log.read(marks)).rejects.toMatchObject({ code: ErrorCode.StoreRollback })
  })

  it('accepts a log one record ahead of its mark (crash between append and mark)', async () => {
    await append('first reason')
    await log.append(record('second reason'), marks)
    expect(await log.read(marks)).toHaveLength(2)
  })

  it('detects records MACed with another key', async () => {
    await append('first reason')
    await expect(new AuditLog(dir, deriveKeys(newMasterKey())).read(marks)).rejects.toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
  })

  it('refuses to append after a record it cannot verify', async () => {
    await append('first reason')
    writeFileSync(path(), `not json\n${readFileSync(path(), 'utf8')}`)
    await expect(log.append(record('second reason'), marks)).rejects.toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
  })
})
