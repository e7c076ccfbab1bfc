// A failed open leaves nothing behind, and I/O failures say where and why (issue #16 item 9): no
// directory the attempt created, no lock, draft or temp file; MUASTS_ERR_STORE_IO names the path and the
// errno in its message and as properties, with Node's error as the cause. The failures are real ones
// (tests run as root, so permissions cannot fail): a file where a directory is expected (ENOTDIR), a
// name taken by a file (EEXIST), a name longer than NAME_MAX (ENAMETOOLONG).
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileStore } from './file-store.js'
import { MemorySecretStore } from './secrets/memory.js'
import { StoreIoError } from './store-errors.js'

let parent: string
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'mua-sts-openfail-'))
})
afterEach(() => rmSync(parent, { recursive: true, force: true }))

/** Every path under `dir`, relative, sorted (what a failed attempt may have left). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error,
  )
}

describe('FileStore.open: a failure leaves nothing behind', () => {
  it('removes the directories it created when the keychain is unavailable for a new store', async () => {
    const secrets = new MemorySecretStore()
    for (const state of ['locked', 'unavailable'] as const) {
      secrets.state = state
      const error = await failure(FileStore.open({ dir: join(parent, 'a', 'b', 'store'), secrets }))
      expect(error).toMatchObject({ code: ErrorCode.KeychainUnavailable })
      expect(tree(parent)).toEqual([])
    }
    // And the next attempt, once the keychain answers, creates the store normally.
    secrets.state = 'available'
    await FileStore.open({ dir: join(parent, 'a', 'b', 'store'), secrets })
    expect(tree(join(parent, 'a', 'b', 'store'))).toEqual(['store.json'])
  })

  it('keeps a directory it did not create, and adds nothing to it', async () => {
    const dir = join(parent, 'existing')
    mkdirSync(dir, { mode: 0o700 })
    const secrets = new MemorySecretStore()
    secrets.state = 'locked'
    await failure(FileStore.open({ dir, secrets }))
    expect(tree(parent)).toEqual(['existing'])
  })

  it('leaves a store with a corrupt marker exactly as it was (no lock, no temp file)', async () => {
    const dir = join(parent, 'store')
    mkdirSync(dir, { mode: 0o700 })
    writeFileSync(join(dir, 'store.json'), '{"format":"mua-sts/store-marker"')
    const error = await failure(FileStore.open({ dir, secrets: new MemorySecretStore() }))
    expect(error).toMatchObject({ code: ErrorCode.StoreCorrupt })
    expect(tree(parent)).toEqual(['store', 'store/store.json'])
  })

  it('touches nothing in an insecure directory it refuses', async () => {
    const dir = join(parent, 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    if (process.getuid?.() === 0) chownSync(dir, 65534, 65534)
    const error = await failure(FileStore.open({ dir, secrets: new MemorySecretStore() }))
    expect(error).toMatchObject({ code: ErrorCode.StoreInsecure })
    expect(tree(parent)).toEqual(['shared'])
  })

  it('creates nothing for bad options (refused before any I/O)', async () => {
    const dir = join(parent, 'never')
    expect(() => new FileStore({ dir, lockTimeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
    await failure(FileStore.open({ dir, maxFileBytes: 1 }))
    expect(tree(parent)).toEqual([])
  })
})

describe('MUASTS_ERR_STORE_IO names the path and the errno', () => {
  it('a file where the store directory should be: ENOTDIR from mkdir, with the cause', async () => {
    writeFileSync(join(parent, 'file'), 'not a directory')
    const dir = join(parent, 'file', 'store')
    const error = await failure(FileStore.open({ dir, secrets: new MemorySecretStore() }))
    expect(error).toBeInstanceOf(StoreIoError)
    expect(error).toMatchObject({
      code: ErrorCode.StoreIo,
      errno: 'ENOTDIR',
      syscall: 'mkdir',
      path: expect.stringContaining(join(parent, 'file')),
      cause: expect.objectContaining({ code: 'ENOTDIR' }),
    })
    const { message, path } = error as StoreIoError
    expect(message).toContain('ENOTDIR')
    expect(message).toContain(path as string)
    expect(tree(parent)).toEqual(['file'])
  })

  it('the store path itself is a file: ENOTDIR naming it', async () => {
    const dir = join(parent, 'plain')
    writeFileSync(dir, '')
    const error = await failure(FileStore.open({ dir, secrets: new MemorySecretStore() }))
    expect(error).toMatchObject({ code: ErrorCode.StoreIo, errno: 'ENOTDIR', path: dir })
    expect((error as Error).message).toContain(dir)
    expect(readFileSync(dir, 'utf8')).toBe('')
  })

  it('a name longer than the file system allows: ENAMETOOLONG, and nothing created', async () => {
    const dir = join(parent, 'x'.repeat(300), 'store')
    const error = await failure(FileStore.open({ dir, secrets: new MemorySecretStore() }))
    expect(error).toMatchObject({ code: ErrorCode.StoreIo, errno: 'ENAMETOOLONG', syscall: 'mkdir' })
    expect((error as Error).message).toMatch(/ENAMETOOLONG in mkdir\(\) on \//)
    expect(tree(parent)).toEqual([])
  })

  it('a file where the marks directory should be: EEXIST from mkdir, no temp or lock file left', async () => {
    const dir = join(parent, 'store')
    const store = await FileStore.open({ dir, secrets: new MemorySecretStore() })
    writeFileSync(join(dir, 'marks'), '')
    const error = await failure(store.strengthen(sampleCommitment()))
    expect(error).toMatchObject({
      code: ErrorCode.StoreIo,
      errno: 'EEXIST',
      syscall: 'mkdir',
      path: join(dir, 'marks'),
    })
    expect((error as StoreIoError).message).toContain(`EEXIST in mkdir() on ${join(dir, 'marks')}`)
    const left = tree(dir).filter((n) => n.endsWith('.tmp') || n.startsWith('.lock'))
    expect(left).toEqual([])
  })
})
