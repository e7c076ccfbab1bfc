// Reads against the marks in hand (issue #17: a first read needs no keychain round trip beyond the one
// opening the store made). The shortcut may only accept a file unchanged since those marks were read;
// every other case, and every failure, must be judged with fresh marks exactly as before.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from '../file-store.js'
import { fileIdOf } from '../format/store-file.js'
import { MemorySecretStore } from '../secrets/memory.js'
import { MARKS_DIR } from './mark-buckets.js'
import { bucketIdOf } from './marks.js'

let dir: string
let secrets: MemorySecretStore
let marksName: string
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-known-'))
  secrets = new MemorySecretStore()
  marksName = `store/${(await FileStore.open({ dir, secrets })).storeId}/marks`
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

/** Waits until files written so far are past the store's timestamp margin (settled.ts). */
const settle = () => sleep(150)
const accountFile = (account: string) => join(dir, `${fileIdOf(account)}.json`)
/** Counts keychain reads of the marks item from now on. */
const marksReads = () => {
  const get = vi.spyOn(secrets, 'get')
  return () => get.mock.calls.filter(([n]) => n === marksName).length
}

describe('reads against the marks read when the store was opened', () => {
  it('reads an account unchanged since the store was opened without reading the keychain again', async () => {
    await (await FileStore.open({ dir, secrets })).strengthen(sampleCommitment({ latches: ['tls12'] }))
    await settle()
    const reads = marksReads()
    const store = await FileStore.open({ dir, secrets })
    expect(reads()).toBe(1) // opening reads the anchor once
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    expect(reads()).toBe(1)
  })

  it('reads fresh marks for a file written after they were read, and finds an older copy put back', async () => {
    const writer = await FileStore.open({ dir, secrets })
    await writer.strengthen(sampleCommitment({ latches: ['tls12'] }))
    copyFileSync(accountFile('acct_1'), `${accountFile('acct_1')}.old`)
    await settle()
    const reader = await FileStore.open({ dir, secrets }) // holds marks naming the file at seq 1
    await writer.strengthen(sampleCommitment({ latches: ['tls-cert', 'tls12'] }))
    copyFileSync(`${accountFile('acct_1')}.old`, accountFile('acct_1'))
    // The copy even carries its old modification time; its change time cannot be set back.
    utimesSync(accountFile('acct_1'), new Date(2020, 0, 1), new Date(2020, 0, 1))
    await settle()
    const reads = marksReads()
    expect(await codeOf(reader.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    expect(reads()).toBe(1)
  })

  it('judges a deleted account file with fresh marks: a rollback, even if it was created after opening', async () => {
    const reader = await FileStore.open({ dir, secrets })
    await (await FileStore.open({ dir, secrets })).strengthen(sampleCommitment())
    rmSync(accountFile('acct_1'))
    expect(await codeOf(reader.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
  })

  it('re-judges a failure with fresh marks: a bucket pruned by another writer since opening is no error', async () => {
    // Two accounts in one bucket: acct_1 is read, the other is rewritten until the bucket file the
    // reader's marks name is pruned (a writer keeps the current and the previous version only).
    const writer = await FileStore.open({ dir, secrets })
    const other = Array.from({ length: 5000 }, (_, i) => `acct_${i + 2}`).find(
      (a) => bucketIdOf(fileIdOf(a)) === bucketIdOf(fileIdOf('acct_1')),
    ) as string
    await writer.strengthen(sampleCommitment({ latches: ['tls12'] }))
    await writer.strengthen(sampleCommitment({ account: other }))
    await settle()
    const reader = await FileStore.open({ dir, secrets })
    const before = readdirSync(join(dir, MARKS_DIR))
    for (const latch of ['tls-cert', 'tls-dane-tlsa', 'x-1']) {
      await writer.strengthen(sampleCommitment({ account: other, latches: ['tls12', latch] }))
    }
    expect(before.filter((n) => readdirSync(join(dir, MARKS_DIR)).includes(n))).toEqual([])
    const reads = marksReads()
    expect((await reader.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    expect(reads()).toBe(1)
  })

  it('sees an account forgotten by another instance since opening as having no commitment', async () => {
    const writer = await FileStore.open({ dir, secrets })
    await writer.strengthen(sampleCommitment())
    await settle()
    const reader = await FileStore.open({ dir, secrets })
    const { confirmation } = await writer.requestForget('acct_1')
    await writer.forget({ account: 'acct_1', confirmation, actor: 'user', reason: 'account removed' })
    expect(await reader.get('acct_1', 'imap')).toBeUndefined()
  })
})
