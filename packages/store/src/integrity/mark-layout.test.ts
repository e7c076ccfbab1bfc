// The v2 high-water-mark layout (issue #17, see marks.ts): an O(1) keychain anchor naming content-
// addressed bucket files. Detection is unchanged (tamper.test.ts, file-store.test.ts); these tests cover
// what is new: bucket files tampered with, per-account isolation of lazy verification, O(1) keychain
// writes, and reading and migrating stores written in the v1 layout (all marks in the keychain item).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from '../file-store.js'
import { fileIdOf } from '../format/store-file.js'
import { MemorySecretStore } from '../secrets/memory.js'
import { MARKS_DIR } from './mark-buckets.js'
import { bucketIdOf, parseMarksItem } from './marks.js'

let dir: string
let secrets: MemorySecretStore
let store: FileStore
let marksName: string
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-marks-'))
  secrets = new MemorySecretStore()
  store = await FileStore.open({ dir, secrets })
  marksName = `store/${store.storeId}/marks`
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return isSdkError(error) ? error.code : `unexpected: ${String(error)}`
  }
}

/** Two accounts whose marks live in different buckets. */
function twoBuckets(): [string, string] {
  const a = 'acct_1'
  for (let i = 2; ; i++) {
    const b = `acct_${i}`
    if (bucketIdOf(fileIdOf(b)) !== bucketIdOf(fileIdOf(a))) return [a, b]
  }
}

const bucketFiles = (account: string) =>
  readdirSync(join(dir, MARKS_DIR)).filter((n) => n.startsWith(`${bucketIdOf(fileIdOf(account))}.`))
const anchor = async () => {
  const item = parseMarksItem((await secrets.get(marksName)) as string)
  if (item.kind !== 'anchor') throw new Error('expected a v2 anchor')
  return item.anchor
}

describe('high-water marks v2: keychain anchor + bucket files', () => {
  it('writes one small anchor per strengthen, whatever the number of accounts', async () => {
    const set = vi.spyOn(secrets, 'set')
    for (let i = 0; i < 120; i++) await store.strengthen(sampleCommitment({ account: `acct_${i}` }))
    const marksWrites = set.mock.calls.filter(([n]) => n === marksName)
    expect(marksWrites).toHaveLength(120)
    // 256 buckets at most, each named by a 22-character hash: bounded, not growing with accounts.
    const sizes = marksWrites.map(([, v]) => v.length)
    expect(Math.max(...sizes)).toBeLessThan(256 * 30 + 200)
    expect(Object.keys((await anchor()).buckets).length).toBeLessThanOrEqual(256)
  })

  it('keeps the current and the previous version of a bucket only', async () => {
    for (let i = 0; i < 5; i++) {
      await store.strengthen(sampleCommitment({ latches: i % 2 === 0 ? ['tls12'] : ['tls-cert', 'tls12'] }))
      await store.strengthen(
        sampleCommitment({ statusUrl: undefined, latches: ['tls-cert', 'tls12', `x-${i}`] }),
      )
    }
    expect(bucketFiles('acct_1')).toHaveLength(2)
    expect(bucketFiles('acct_1')).toContain(
      `${bucketIdOf(fileIdOf('acct_1'))}.${(await anchor()).buckets[bucketIdOf(fileIdOf('acct_1'))]}.marks`,
    )
  })

  it('detects a deleted bucket as a rollback for its accounts only, and offers the reset', async () => {
    const [a, b] = twoBuckets()
    await store.strengthen(sampleCommitment({ account: a }))
    await store.strengthen(sampleCommitment({ account: b }))
    for (const n of bucketFiles(a)) rmSync(join(dir, MARKS_DIR, n))
    const fresh = await FileStore.open({ dir, secrets })
    expect(await codeOf(fresh.get(a, 'imap'))).toBe(ErrorCode.StoreRollback)
    expect((await fresh.get(b, 'imap'))?.account).toBe(b)
    expect(await codeOf(fresh.list())).toBe(ErrorCode.StoreRollback)
    expect(await codeOf(fresh.requestForget(a))).toBe(ErrorCode.StoreRollback)
    const request = await fresh.requestReset()
    expect(request).toMatchObject({ cause: ErrorCode.StoreRollback, scope: 'store' })
    expect(request.affected.files).toContain(MARKS_DIR)
    await fresh.reset({ confirmation: request.confirmation, actor: 'user', reason: 'marks lost' })
    const after = await FileStore.open({ dir, secrets })
    expect(await after.list()).toEqual([])
    await after.strengthen(sampleCommitment({ account: a }))
    await expect((await FileStore.open({ dir, secrets })).get(a, 'imap')).resolves.toMatchObject({
      account: a,
    })
  })

  it('detects an older bucket put back, or any edit of one, as corrupt', async () => {
    await store.strengthen(sampleCommitment({ latches: ['tls12'] }))
    const [old] = bucketFiles('acct_1')
    const oldBytes = readFileSync(join(dir, MARKS_DIR, old as string))
    await store.strengthen(sampleCommitment({ latches: ['tls-cert', 'tls12'] }))
    await store.strengthen(sampleCommitment({ latches: ['tls-cert', 'tls-dane-tlsa', 'tls12'] }))
    const hash = (await anchor()).buckets[bucketIdOf(fileIdOf('acct_1'))] as string
    const current = `${bucketIdOf(fileIdOf('acct_1'))}.${hash}.marks`
    const path = join(dir, MARKS_DIR, current)
    const bytes = readFileSync(path)
    writeFileSync(path, oldBytes)
    expect(await codeOf((await FileStore.open({ dir, secrets })).get('acct_1', 'imap'))).toBe(
      ErrorCode.StoreCorrupt,
    )
    const edited = Buffer.from(bytes)
    const at = edited.indexOf(',') + 3
    edited[at] = (edited[at] as number) ^ 0x01
    writeFileSync(path, edited)
    expect(await codeOf((await FileStore.open({ dir, secrets })).get('acct_1', 'imap'))).toBe(
      ErrorCode.StoreCorrupt,
    )
    writeFileSync(path, bytes)
    expect((await (await FileStore.open({ dir, secrets })).get('acct_1', 'imap'))?.latches).toHaveLength(3)
  })

  it('opens without reading any account file, and a bad file fails only its own account', async () => {
    const [a, b] = twoBuckets()
    await store.strengthen(sampleCommitment({ account: a }))
    await store.strengthen(sampleCommitment({ account: b }))
    writeFileSync(join(dir, `${fileIdOf(b)}.json`), '{}')
    const fresh = await FileStore.open({ dir, secrets })
    expect((await fresh.get(a, 'imap'))?.account).toBe(a)
    expect(await codeOf(fresh.get(b, 'imap'))).toBe(ErrorCode.StoreCorrupt)
    expect((await fresh.get(a, 'imap'))?.account).toBe(a)
  })
})

describe('stores written in the v1 layout (all marks in the keychain item)', () => {
  /** Rewrites the store as the v1 code left it: marks inline in the item, no marks/ directory. */
  async function toV1(): Promise<void> {
    const a = await anchor()
    const accounts: Record<string, [number, string]> = {}
    for (const [bucket, hash] of Object.entries(a.buckets)) {
      const raw = JSON.parse(readFileSync(join(dir, MARKS_DIR, `${bucket}.${hash}.marks`), 'utf8'))
      Object.assign(accounts, raw.accounts)
    }
    rmSync(join(dir, MARKS_DIR), { recursive: true })
    await secrets.set(
      marksName,
      JSON.stringify({ format: 'mua-sts/marks', version: 1, accounts, audit: a.audit }),
    )
  }

  it('reads them with the same checks, and migrates them on the first write', async () => {
    const [a, b] = twoBuckets()
    await store.strengthen(sampleCommitment({ account: a, latches: ['tls12'] }))
    const path = join(dir, `${fileIdOf(a)}.json`)
    copyFileSync(path, `${path}.old`)
    await store.strengthen(sampleCommitment({ account: a, latches: ['tls-cert', 'tls12'] }))
    await store.strengthen(sampleCommitment({ account: b }))
    const { confirmation } = await store.requestForget(b, 'imap')
    await store.forget({ account: b, service: 'imap', reason: 'gone now', actor: 'user', confirmation })
    await toV1()

    const v1 = await FileStore.open({ dir, secrets })
    expect((await v1.get(a, 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
    expect(await v1.list()).toHaveLength(1)
    expect(await v1.audit()).toHaveLength(1)
    copyFileSync(path, `${path}.new`)
    copyFileSync(`${path}.old`, path)
    expect(await codeOf((await FileStore.open({ dir, secrets })).get(a, 'imap'))).toBe(
      ErrorCode.StoreRollback,
    )
    copyFileSync(`${path}.new`, path)

    // First write: every bucket written, then the v2 anchor; nothing is lost.
    await v1.strengthen(sampleCommitment({ account: 'acct_new' }))
    const migrated = await anchor()
    expect(migrated.version).toBe(2)
    expect(migrated.audit.records).toBe(1)
    const after = await FileStore.open({ dir, secrets })
    expect((await after.list()).map((c) => c.account).sort()).toEqual([a, 'acct_new'].sort())
    expect(await after.audit()).toHaveLength(1)
    copyFileSync(`${path}.old`, path)
    expect(await codeOf((await FileStore.open({ dir, secrets })).get(a, 'imap'))).toBe(
      ErrorCode.StoreRollback,
    )
    rmSync(join(dir, `${fileIdOf(b)}.json`))
    expect(await codeOf((await FileStore.open({ dir, secrets })).get(b, 'imap'))).toBe(
      ErrorCode.StoreRollback,
    )
  })

  it('diagnoses a damaged audit log of a v1 store and migrates it in the audit-log reset', async () => {
    await store.strengthen(sampleCommitment())
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    await store.forget({
      account: 'acct_1',
      service: 'imap',
      reason: 'gone now',
      actor: 'user',
      confirmation,
    })
    await store.strengthen(sampleCommitment({ account: 'acct_2' }))
    await toV1()
    writeFileSync(join(dir, 'audit.jsonl'), '')
    const v1 = new FileStore({ dir, secrets })
    const request = await v1.requestReset()
    expect(request).toMatchObject({ cause: ErrorCode.StoreRollback, scope: 'audit-log' })
    await v1.reset({ confirmation: request.confirmation, actor: 'user', reason: 'log lost' })
    expect((await anchor()).version).toBe(2)
    const after = await FileStore.open({ dir, secrets })
    expect((await after.get('acct_2', 'imap'))?.account).toBe('acct_2')
    expect(await after.audit()).toHaveLength(1)
  })
})
