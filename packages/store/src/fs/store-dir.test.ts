// A store directory other users can write is tightened when it is ours and refused when it is not
// (issue #12 item 6). The refusals run as root by handing the directory to `nobody`; as another user
// they use /tmp, which root owns and everyone can write.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileStore } from '../file-store.js'
import { MemorySecretStore } from '../secrets/memory.js'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0
let parent: string
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'mua-sts-dir-'))
})
afterEach(() => rmSync(parent, { recursive: true, force: true }))

const mode = (p: string) => statSync(p).mode & 0o7777

describe('FileStore directory permissions', () => {
  it('creates a new store directory as 0700', async () => {
    const dir = join(parent, 'new')
    await FileStore.open({ dir, secrets: new MemorySecretStore() })
    expect(mode(dir)).toBe(0o700)
  })

  it.each([0o777, 0o770, 0o722])(
    'tightens a directory of ours with mode %o to 0700 and opens it',
    async (m) => {
      const dir = join(parent, 'ours')
      mkdirSync(dir)
      chmodSync(dir, m)
      const store = await FileStore.open({ dir, secrets: new MemorySecretStore() })
      expect(mode(dir)).toBe(0o700)
      await store.strengthen(sampleCommitment())
    },
  )

  it('tightens an existing store whose directory was loosened later', async () => {
    const dir = join(parent, 'store')
    const secrets = new MemorySecretStore()
    await (await FileStore.open({ dir, secrets })).strengthen(sampleCommitment())
    chmodSync(dir, 0o777)
    expect((await new FileStore({ dir, secrets }).get('acct_1', 'imap'))?.latches).toEqual([
      'tls-cert',
      'tls12',
    ])
    expect(mode(dir)).toBe(0o700)
  })

  it("refuses another user's world-writable directory with MUASTS_ERR_STORE_INSECURE and writes nothing", async () => {
    const dir = isRoot ? join(parent, 'theirs') : '/tmp'
    if (isRoot) {
      mkdirSync(dir)
      chmodSync(dir, 0o777)
      chownSync(dir, NOBODY, NOBODY)
    }
    const before = readdirSync(dir)
    const store = new FileStore({ dir, secrets: new MemorySecretStore() })
    await expect(store.ready()).rejects.toMatchObject({ code: ErrorCode.StoreInsecure })
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.StoreInsecure })
    await expect(store.requestReset()).rejects.toMatchObject({ code: ErrorCode.StoreInsecure })
    expect(readdirSync(dir)).toEqual(before)
    if (!isRoot) return
    expect(mode(dir)).toBe(0o777)
    // Owned by another user, even if only that user can write it: still not ours to trust.
    chmodSync(dir, 0o700)
    await expect(store.ready()).rejects.toMatchObject({
      code: ErrorCode.StoreInsecure,
      details: { reason: 'owned by another user' },
    })
  })

  it('never chmods a shared sticky directory of ours: it refuses it', async () => {
    const dir = join(parent, 'sticky')
    mkdirSync(dir)
    chmodSync(dir, 0o1777)
    await expect(FileStore.open({ dir, secrets: new MemorySecretStore() })).rejects.toMatchObject({
      code: ErrorCode.StoreInsecure,
    })
    expect(mode(dir)).toBe(0o1777)
  })
})
