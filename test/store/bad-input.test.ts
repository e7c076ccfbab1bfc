// Bad input on disk gets a clear coded error and loses nothing: the store never overwrites, follows or
// half-reads what it cannot verify.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

let tmp: ReturnType<typeof tempDir>
let dir: string
let secrets: MemorySecretStore
let store: FileStore
let file: string
beforeEach(async () => {
  tmp = tempDir('bad-input')
  dir = join(tmp.dir, 'store')
  secrets = new MemorySecretStore()
  store = await FileStore.open({ dir, secrets })
  await store.strengthen(sampleCommitment())
  file = join(dir, readdirSync(dir).find((n) => /^[0-9a-f]{64}\.json$/.test(n)) as string)
})
afterEach(() => tmp.remove())

async function failure(work: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await work
  } catch (error) {
    if (isSdkError(error))
      return { code: error.code, reason: (error.details as { reason?: unknown } | undefined)?.reason }
    throw error
  }
  throw new Error('expected a failure')
}

/** Makes `path` unwritable even for root (chattr +i), or by mode for other users. Returns the undo. */
function makeReadOnly(path: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', path])
  } else {
    chmodSync(path, 0o555)
  }
  try {
    writeFileSync(join(path, 'probe'), '')
    throw new Error(`could not make ${path} read-only in this environment`)
  } catch (error) {
    if (!['EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
  }
  return () => (process.getuid?.() === 0 ? execFileSync('chattr', ['-i', path]) : chmodSync(path, 0o700))
}

describe('FileStore with bad input on disk', () => {
  it.each([
    ['malformed JSON', '{"format":"mua-sts/store",'],
    [
      'wrong types',
      JSON.stringify({ format: 'mua-sts/store', version: 1, account: 7, seq: -1, commitments: [] }),
    ],
    ['an empty file', ''],
    ['binary garbage', '\u0000\u0001\u00ff'],
  ])('refuses %s as corrupt and never overwrites it', async (_name, content) => {
    writeFileSync(file, content)
    expect(await failure(store.get('acct_1', 'imap'))).toMatchObject({ code: ErrorCode.StoreCorrupt })
    expect(await failure(store.strengthen(sampleCommitment({ latches: ['tls-dane-tlsa'] })))).toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
    expect(readFileSync(file, 'utf8')).toBe(content)
  })

  it('refuses a huge file by its size, without reading it', async () => {
    const fd = openSync(file, 'w')
    closeSync(fd)
    execFileSync('truncate', ['-s', '8G', file]) // sparse: 8 GiB of size, no disk use
    expect(await failure(store.get('acct_1', 'imap'))).toEqual({
      code: ErrorCode.StoreCorrupt,
      reason: 'store file exceeds the size limit',
    })
    expect(await failure(store.list())).toMatchObject({ code: ErrorCode.StoreCorrupt })
  })

  it('refuses a symlink in place of the file, even one pointing at a valid copy, and never writes through it', async () => {
    const target = join(tmp.dir, 'elsewhere.json')
    writeFileSync(target, readFileSync(file))
    const before = readFileSync(target)
    rmSync(file)
    symlinkSync(target, file)
    const fresh = new FileStore({ dir, secrets })
    expect(await failure(fresh.get('acct_1', 'imap'))).toEqual({
      code: ErrorCode.StoreCorrupt,
      reason: 'a symlink is in place of a store file',
    })
    expect(await failure(fresh.strengthen(sampleCommitment({ latches: ['tls-dane-tlsa'] })))).toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
    expect(readFileSync(target)).toEqual(before)
  })

  it('refuses a FIFO in place of the file without blocking on it', async () => {
    rmSync(file)
    execFileSync('mkfifo', [file])
    expect(await failure(new FileStore({ dir, secrets }).get('acct_1', 'imap'))).toEqual({
      code: ErrorCode.StoreCorrupt,
      reason: 'a store file is not a regular file',
    })
  })

  it('refuses a directory in place of the file', async () => {
    rmSync(file)
    mkdirSync(file)
    expect(await failure(new FileStore({ dir, secrets }).get('acct_1', 'imap'))).toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
  })

  it('fails a write in a read-only directory with MUASTS_ERR_STORE_IO and keeps the data readable', async () => {
    const before = readFileSync(file)
    const undo = makeReadOnly(dir)
    try {
      const fresh = await FileStore.open({ dir, secrets })
      expect(await failure(fresh.strengthen(sampleCommitment({ latches: ['tls-dane-tlsa'] })))).toMatchObject(
        {
          code: ErrorCode.StoreIo,
        },
      )
      expect((await fresh.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
      expect(readFileSync(file)).toEqual(before)
    } finally {
      undo()
    }
    expect((await store.strengthen(sampleCommitment({ latches: ['tls-dane-tlsa'] }))).latches).toContain(
      'tls-dane-tlsa',
    )
  })

  it('fails with MUASTS_ERR_STORE_IO when the store path is a file', async () => {
    const path = join(tmp.dir, 'not-a-dir')
    writeFileSync(path, 'x')
    expect(await failure(FileStore.open({ dir: join(path, 'store'), secrets }))).toMatchObject({
      code: ErrorCode.StoreIo,
    })
  })

  it('refuses a malformed marker file', async () => {
    writeFileSync(join(dir, 'store.json'), '{"format":"mua-sts/store-marker"}')
    expect(await failure(FileStore.open({ dir, secrets }))).toMatchObject({ code: ErrorCode.StoreCorrupt })
  })

  it('refuses malformed high-water marks in the keychain', async () => {
    await secrets.set(`store/${store.storeId}/marks`, '{"format":"mua-sts/marks","version":1}')
    expect(await failure(new FileStore({ dir, secrets }).get('acct_1', 'imap'))).toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
  })
})
