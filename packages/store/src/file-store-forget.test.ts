import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from './file-store.js'
import { fileIdOf } from './format/store-file.js'
import { MemorySecretStore } from './secrets/memory.js'

let dir: string
let secrets: MemorySecretStore
let store: FileStore
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-forget-'))
  secrets = new MemorySecretStore()
  store = await FileStore.open({ dir, secrets, now: () => new Date('2026-02-01T00:00:00.000Z') })
  await store.strengthen(sampleCommitment())
  await store.strengthen(sampleCommitment({ service: 'submission' }))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = () => join(dir, `${fileIdOf('acct_1')}.json`)

describe('FileStore: forget ceremony', () => {
  it('removes one service after a confirmed request, records who, when, what and why, and emits forgotten', async () => {
    const forgotten = vi.fn()
    store.on('forgotten', forgotten)
    const { confirmation, commitments } = await store.requestForget('acct_1', 'imap')
    expect(commitments.map((c) => c.service)).toEqual(['imap'])
    const record = await store.forget({
      account: 'acct_1',
      service: 'imap',
      reason: 'server replaced',
      actor: 'user',
      confirmation,
    })
    expect(record).toMatchObject({
      kind: 'forget',
      at: '2026-02-01T00:00:00.000Z',
      account: 'acct_1',
      services: ['imap'],
      actor: 'user',
      reason: 'server replaced',
      removed: [expect.objectContaining({ service: 'imap', latches: ['tls-cert', 'tls12'] })],
    })
    expect(forgotten).toHaveBeenCalledWith(record)
    expect(await store.get('acct_1', 'imap')).toBeUndefined()
    expect(await store.get('acct_1', 'submission')).toBeDefined()
    expect(await (await FileStore.open({ dir, secrets })).audit()).toEqual([record])
  })

  it('forgets every service of the account when no service is named', async () => {
    const { confirmation } = await store.requestForget('acct_1')
    const record = await store.forget({
      account: 'acct_1',
      reason: 'account removed',
      actor: 'admin:alice',
      confirmation,
    })
    expect(record.services).toEqual(['imap', 'submission'])
    expect(await store.list()).toEqual([])
  })

  it('refuses without a matching, unused confirmation token, a reason and an actor', async () => {
    const base = { account: 'acct_1', service: 'imap' as const, reason: 'server replaced', actor: 'user' }
    await expect(store.forget({ ...base, confirmation: 'guessed' })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    await expect(store.forget({ ...base, service: 'submission', confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await expect(store.forget({ ...base, reason: ' ', confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await expect(store.forget({ ...base, actor: '', confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await store.forget({ ...base, confirmation })
    const again = await store.strengthen(sampleCommitment())
    expect(again.latches).toEqual(['tls-cert', 'tls12'])
    await expect(store.forget({ ...base, confirmation })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    expect(await store.get('acct_1', 'imap')).toBeDefined()
  })

  it('has nothing to forget for an unknown account', async () => {
    await expect(store.requestForget('acct_9')).rejects.toMatchObject({ code: ErrorCode.NoCommitment })
  })

  it('detects restoring the file from before the forget as a rollback', async () => {
    const before = `${file()}.before`
    copyFileSync(file(), before)
    const { confirmation } = await store.requestForget('acct_1')
    await store.forget({ account: 'acct_1', reason: 'account removed', actor: 'user', confirmation })
    copyFileSync(before, file())
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.StoreRollback })
  })

  it('lets the user knowingly reset a corrupt account: the bad file is quarantined, not deleted', async () => {
    writeFileSync(file(), '{"tampered":true}')
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
    await expect(store.requestForget('acct_1', 'imap')).rejects.toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
    const request = await store.requestForget('acct_1')
    expect(request).toMatchObject({ commitments: [], integrity: ErrorCode.StoreCorrupt })
    const record = await store.forget({
      account: 'acct_1',
      reason: 'store reported tampering',
      actor: 'user',
      confirmation: request.confirmation,
    })
    expect(record.unverified).toEqual({
      code: ErrorCode.StoreCorrupt,
      quarantined: expect.stringMatching(/^quarantine\//),
    })
    expect(readFileSync(join(dir, record.unverified?.quarantined as string), 'utf8')).toBe(
      '{"tampered":true}',
    )
    expect(await store.get('acct_1', 'imap')).toBeUndefined()
    await store.strengthen(sampleCommitment())
    expect(await store.audit()).toHaveLength(1)
  })

  it('lets the user reset an account whose file was deleted (a rollback) and records that nothing was quarantined', async () => {
    rmSync(file())
    const request = await store.requestForget('acct_1')
    expect(request.integrity).toBe(ErrorCode.StoreRollback)
    const record = await store.forget({
      account: 'acct_1',
      reason: 'file was lost',
      actor: 'user',
      confirmation: request.confirmation,
    })
    expect(record.unverified).toEqual({ code: ErrorCode.StoreRollback, quarantined: null })
    expect(existsSync(file())).toBe(true)
    expect(await store.list()).toEqual([])
  })

  it('detects a deleted audit log', async () => {
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    await store.forget({
      account: 'acct_1',
      service: 'imap',
      reason: 'server replaced',
      actor: 'user',
      confirmation,
    })
    rmSync(join(dir, 'audit.jsonl'))
    await expect(store.audit()).rejects.toMatchObject({ code: ErrorCode.StoreRollback })
  })
})
