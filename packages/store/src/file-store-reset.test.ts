// The store reset ceremony with in-memory secrets (the same cases run on the real gnome-keyring in
// test/store/keyring-reset.test.ts): a store that lost its key, its marks or its whole keyring can be
// reset, nothing is trusted afterwards, the old files are kept, and the new audit log starts with the
// reset; a locked keychain or a healthy store is never reset.
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from './file-store.js'
import { fileIdOf } from './format/store-file.js'
import { newMasterKey } from './integrity/keys.js'
import { MemorySecretStore } from './secrets/memory.js'

const NOW = new Date('2026-04-01T00:00:00.000Z')
let dir: string
let secrets: MemorySecretStore
let store: FileStore
let names: { key: string; probe: string; marks: string }
const confirm = { actor: 'user', reason: 'keychain was wiped' }

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-reset-'))
  secrets = new MemorySecretStore()
  store = await FileStore.open({ dir, secrets, now: () => NOW })
  names = {
    key: `store/${store.storeId}/key`,
    probe: `store/${store.storeId}/probe`,
    marks: `store/${store.storeId}/marks`,
  }
  await store.strengthen(sampleCommitment())
  await store.strengthen(sampleCommitment({ account: 'acct_2' }))
  const { confirmation } = await store.requestForget('acct_2')
  await store.forget({ account: 'acct_2', reason: 'account removed', actor: 'user', confirmation })
  await store.strengthen(sampleCommitment({ account: 'acct_2', service: 'submission' }))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const accountFiles = () => [`${fileIdOf('acct_1')}.json`, `${fileIdOf('acct_2')}.json`].sort()
const snapshot = () =>
  Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((n) => [n, read(n)]))
const read = (n: string) => (statSync(join(dir, n)).isFile() ? readFileSync(join(dir, n), 'utf8') : 'dir')

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

describe.each([
  ['the integrity key is deleted', ErrorCode.StoreCorrupt, () => secrets.delete(names.key)],
  ['the marks are deleted', ErrorCode.StoreRollback, () => secrets.delete(names.marks)],
  ['the marks are damaged', ErrorCode.StoreCorrupt, () => secrets.set(names.marks, '{"nope":1}')],
  ['the key is swapped for another', ErrorCode.StoreCorrupt, () => secrets.set(names.key, newMasterKey())],
  [
    'the keyring is recreated (every item gone)',
    ErrorCode.KeychainUnavailable,
    async () => {
      for (const n of Object.values(names)) await secrets.delete(n)
    },
  ],
] as const)('FileStore reset when %s', (_case, cause, lose) => {
  it('is bricked before, then resets: nothing trusted, old files kept, reset recorded first', async () => {
    const oldAudit = readFileSync(join(dir, 'audit.jsonl'))
    const oldFiles = Object.fromEntries(accountFiles().map((f) => [f, readFileSync(join(dir, f))]))
    await lose()
    const reopened = new FileStore({ dir, secrets, now: () => NOW })
    expect(await codeOf(reopened.get('acct_1', 'imap'))).toBe(cause)
    expect(await codeOf(reopened.requestForget('acct_1'))).toBe(cause)

    const request = await reopened.requestReset()
    expect(request).toMatchObject({
      cause,
      scope: 'store',
      // The marks buckets (integrity/marks.ts) describe the quarantined files and go with them.
      affected: { accounts: 2, files: [...accountFiles(), 'audit.jsonl', 'marks'] },
    })
    expect(request.diagnosis.length).toBeGreaterThan(0)
    const onReset = vi.fn()
    reopened.on('reset', onReset)
    const record = await reopened.reset({ confirmation: request.confirmation, ...confirm })

    expect(record).toMatchObject({
      kind: 'reset',
      account: `store:${reopened.storeId}`,
      services: [],
      removed: [],
      ...confirm,
      reset: {
        cause,
        scope: 'store',
        accounts: 2,
        quarantine: expect.stringMatching(/^quarantine\/reset-/),
        previousAudit: {
          sha256: createHash('sha256').update(oldAudit).digest('hex'),
          bytes: oldAudit.length,
        },
      },
    })
    expect(onReset).toHaveBeenCalledWith(record)
    const q = join(dir, record.reset?.quarantine as string)
    expect(readFileSync(join(q, 'audit.jsonl'))).toEqual(oldAudit)
    for (const [f, bytes] of Object.entries(oldFiles)) expect(readFileSync(join(q, f))).toEqual(bytes)
    expect(existsSync(join(q, 'store.json'))).toBe(true)
    expect(readdirSync(join(q, 'marks')).length).toBeGreaterThan(0)
    expect(existsSync(join(dir, 'marks'))).toBe(false)

    // Nothing is trusted until setup runs again, in this instance and in a fresh one.
    for (const s of [reopened, await FileStore.open({ dir, secrets })]) {
      expect(await s.get('acct_1', 'imap')).toBeUndefined()
      expect(await s.get('acct_2', 'submission')).toBeUndefined()
      expect(await s.list()).toEqual([])
      expect(await s.audit()).toEqual([record])
    }
    // The store works again: setup pins afresh, and the trail continues after the reset.
    await reopened.strengthen(sampleCommitment())
    const { confirmation } = await reopened.requestForget('acct_1')
    await reopened.forget({ account: 'acct_1', reason: 'set up again', actor: 'user', confirmation })
    expect((await reopened.audit()).map((r) => r.kind)).toEqual(['reset', 'forget'])
  })
})

describe('FileStore reset: refusals', () => {
  it('refuses a healthy store and changes nothing', async () => {
    const before = snapshot()
    await expect(store.requestReset()).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
      details: { reason: 'store-healthy' },
    })
    expect(snapshot()).toEqual(before)
  })

  it.each(['locked', 'unavailable'] as const)(
    'never resets a %s keychain: it says to unlock it, and changes nothing',
    async (state) => {
      const before = snapshot()
      secrets.state = state
      const reopened = new FileStore({ dir, secrets })
      expect(await codeOf(reopened.get('acct_1', 'imap'))).toBe(ErrorCode.KeychainUnavailable)
      const error = await reopened.requestReset().catch((e: unknown) => e)
      expect(error).toMatchObject({ code: ErrorCode.KeychainUnavailable })
      expect(String((error as Error).message)).toMatch(/unlock the keychain/)
      expect(snapshot()).toEqual(before)
      secrets.state = 'available'
      expect((await reopened.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
    },
  )

  it('needs an unused token, a reason and an actor', async () => {
    await secrets.delete(names.key)
    const reopened = new FileStore({ dir, secrets, now: () => NOW })
    const { confirmation } = await reopened.requestReset()
    for (const bad of [
      { ...confirm, confirmation: 'guessed' },
      { ...confirm, confirmation, reason: 'x' },
      { ...confirm, confirmation, actor: '' },
    ]) {
      await expect(reopened.reset(bad)).rejects.toMatchObject({ code: ErrorCode.ConfirmationRequired })
    }
    await expect(reopened.reset({ confirmation } as never)).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
    })
    await reopened.reset({ ...confirm, confirmation })
    await expect(reopened.reset({ ...confirm, confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
  })

  it('refuses when the store changed after the request (a file the user was not shown)', async () => {
    await secrets.delete(names.key)
    const reopened = new FileStore({ dir, secrets, now: () => NOW })
    const { confirmation } = await reopened.requestReset()
    const planted = `${fileIdOf('acct_3')}.json`
    writeFileSync(join(dir, planted), '{}')
    const before = snapshot()
    await expect(reopened.reset({ ...confirm, confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    expect(snapshot()).toEqual(before)
    const again = await reopened.requestReset()
    expect(again.affected.files).toContain(planted)
  })

  it('has no reset for an unprotected store', async () => {
    const plain = new FileStore({ dir: join(dir, 'plain'), integrity: 'none-explicit-opt-in' })
    await expect(plain.requestReset()).rejects.toMatchObject({ code: ErrorCode.InvalidOption })
  })
})

describe('FileStore reset: partial damage and interruption', () => {
  it('restarts only a deleted audit log, keeping every account', async () => {
    rmSync(join(dir, 'audit.jsonl'))
    expect(await codeOf(store.audit())).toBe(ErrorCode.StoreRollback)
    const request = await store.requestReset()
    expect(request).toMatchObject({
      cause: ErrorCode.StoreRollback,
      scope: 'audit-log',
      affected: { accounts: 0, files: [] },
    })
    const record = await store.reset({ confirmation: request.confirmation, ...confirm })
    expect(record.reset).toMatchObject({ scope: 'audit-log', accounts: 0, previousAudit: null })
    expect(await store.audit()).toEqual([record])
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
    const { confirmation } = await store.requestForget('acct_1')
    await store.forget({ account: 'acct_1', reason: 'works again', actor: 'user', confirmation })
  })

  it('can be run again after the keychain failed midway, and stays untrusted in between', async () => {
    await secrets.delete(names.key)
    const reopened = new FileStore({ dir, secrets, now: () => NOW })
    const first = await reopened.requestReset()
    const realSet = secrets.set.bind(secrets)
    const failProbe = vi.spyOn(secrets, 'set').mockImplementation(async (name, value) => {
      if (name === names.probe) throw new Error('keychain went away')
      return realSet(name, value)
    })
    await expect(reopened.reset({ confirmation: first.confirmation, ...confirm })).rejects.toMatchObject({
      code: ErrorCode.KeychainUnavailable,
      details: { committed: false },
    })
    failProbe.mockRestore()
    // The new key is in the keychain but the marker still names the old one: still refused.
    expect(await codeOf(new FileStore({ dir, secrets }).get('acct_1', 'imap'))).toBe(ErrorCode.StoreCorrupt)
    const second = await reopened.requestReset()
    expect(second.affected.accounts).toBe(0)
    const record = await reopened.reset({ confirmation: second.confirmation, ...confirm })
    expect(await reopened.audit()).toEqual([record])
    expect(await reopened.get('acct_1', 'imap')).toBeUndefined()
    expect(readdirSync(join(dir, 'quarantine')).filter((n) => n.startsWith('reset-'))).toHaveLength(2)
  })

  it('makes another instance that still holds the old key refuse to write, then reopen', async () => {
    const other = await FileStore.open({ dir, secrets })
    await secrets.delete(names.marks)
    const resetter = new FileStore({ dir, secrets, now: () => NOW })
    const { confirmation } = await resetter.requestReset()
    await resetter.reset({ ...confirm, confirmation })
    await expect(other.strengthen(sampleCommitment())).rejects.toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
    expect(await resetter.get('acct_1', 'imap')).toBeUndefined()
    await other.strengthen(sampleCommitment())
    expect((await resetter.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
  })
})
