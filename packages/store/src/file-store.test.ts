import { createHmac } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Commitment, ErrorCode, isAtLeast } from '@mua-sts/core'
import { OTHER_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from './file-store.js'
import { canonicalJson } from './format/canonical-json.js'
import { fileIdOf } from './format/store-file.js'
import { MemorySecretStore } from './secrets/memory.js'

let dir: string
let secrets: MemorySecretStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-store-'))
  secrets = new MemorySecretStore()
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const open = () => FileStore.open({ dir, secrets, now: () => new Date('2026-02-01T00:00:00.000Z') })
const commitment = (latches: string[], overrides: Partial<Commitment> = {}) =>
  sampleCommitment({ latches: [...latches].sort(), ...overrides })
const accountFile = (account = 'acct_1') => join(dir, `${fileIdOf(account)}.json`)

describe('FileStore: reading and strengthening', () => {
  it('has no commitment for an account it never stored', async () => {
    expect(await (await open()).get('acct_1', 'imap')).toBeUndefined()
  })

  it('stores a commitment that a fresh instance reads back verified', async () => {
    await (await open()).strengthen(commitment(['tls12']))
    expect((await (await open()).get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
  })

  it('joins instead of overwriting: a weaker write never removes a latch or pin', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls-cert', 'tls12'], { pins: { spki: [OTHER_SPKI], backup: [] } }))
    const after = await store.strengthen(commitment([]))
    expect(after.latches).toEqual(['tls-cert', 'tls12'])
    expect(after.pins.spki).toEqual([OTHER_SPKI])
    expect(isAtLeast((await store.get('acct_1', 'imap')) as Commitment, commitment(['tls-cert']))).toBe(true)
  })

  it('does not rewrite the file when nothing new was learned', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    const before = readFileSync(accountFile())
    const listener = vi.fn()
    store.on('strengthened', listener)
    await store.strengthen(commitment(['tls12']))
    expect(readFileSync(accountFile())).toEqual(before)
    expect(listener).not.toHaveBeenCalled()
  })

  it("emits 'strengthened' with what is now stored", async () => {
    const store = await open()
    const listener = vi.fn()
    store.on('strengthened', listener)
    await store.strengthen(commitment(['tls12']))
    expect(listener).toHaveBeenCalledWith(expect.objectContaining({ latches: ['tls12'] }))
  })

  it('keeps services of one account side by side in one file', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    await store.strengthen(commitment([], { service: 'submission' }))
    expect((await store.list('acct_1')).map((c) => c.service)).toEqual(['imap', 'submission'])
    expect(readdirSync(dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))).toHaveLength(1)
  })

  it('lists all accounts sorted by account and service', async () => {
    const store = await open()
    await store.strengthen(commitment([], { account: 'b', service: 'pop3' }))
    await store.strengthen(commitment([], { account: 'a' }))
    await store.strengthen(commitment([], { account: 'b' }))
    expect((await store.list()).map((c) => `${c.account}/${c.service}`)).toEqual([
      'a/imap',
      'b/imap',
      'b/pop3',
    ])
  })

  it('sees a write made by another instance (no stale cache)', async () => {
    const a = await open()
    const b = await open()
    await a.strengthen(commitment(['tls12']))
    expect((await b.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    await b.strengthen(commitment(['tls-cert']))
    expect((await a.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
  })

  it('loses no latch when two instances strengthen concurrently', async () => {
    const [a, b] = [await open(), await open()]
    const tags = Array.from({ length: 30 }, (_, i) => `x-${i}`)
    await Promise.all(tags.map((t, i) => (i % 2 ? a : b).strengthen(commitment([t]))))
    expect((await a.get('acct_1', 'imap'))?.latches).toEqual([...tags].sort())
  })

  it('keeps the file within the stored limits when unknown latches overflow (core caps them in the join)', async () => {
    const store = await open()
    const tags = Array.from({ length: 64 }, (_, i) => `x-${String(i).padStart(2, '0')}`)
    await store.strengthen(commitment(tags))
    await store.strengthen(commitment(['tls12', 'zz-one-too-many']))
    const latches = (await (await open()).get('acct_1', 'imap'))?.latches
    expect(latches).toHaveLength(64)
    expect(latches).toContain('tls12')
    expect(latches).not.toContain('zz-one-too-many')
  })

  it('returns frozen commitments, so a caller cannot alter the cached copy', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    const c = (await store.get('acct_1', 'imap')) as Commitment
    expect(() => c.latches.push('x')).toThrow(TypeError)
  })

  it('rejects bad arguments and options with MUASTS_ERR_INVALID_OPTION', async () => {
    const store = await open()
    await expect(store.get('not a ref!', 'imap')).rejects.toMatchObject({ code: ErrorCode.InvalidOption })
    await expect(store.get('acct_1', 'smtp' as never)).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
    })
    await expect(store.strengthen({ ...commitment([]), tlsFloor: 'TLSv1.1' as never })).rejects.toMatchObject(
      {
        code: ErrorCode.InvalidOption,
      },
    )
    expect(() => new FileStore({ dir, lockTimeoutMs: -1 })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidOption,
        message: expect.stringContaining('lockTimeoutMs'),
      }),
    )
    expect(() => new FileStore({ dir, secrets: {} as never })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('options.secrets') }),
    )
    expect(() => new FileStore({ dir, integrity: 'none-explicit-opt-in', secrets })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
    expect(() => new FileStore({ dir, unknown: 1 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
  })
})

describe('FileStore: keychain states', () => {
  it('creates the key, its probe and the marks once, and records the key fingerprint', async () => {
    const store = await open()
    expect(secrets.names()).toEqual([
      `store/${store.storeId}/key`,
      `store/${store.storeId}/marks`,
      `store/${store.storeId}/probe`,
    ])
    const marker = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))
    expect(marker).toMatchObject({
      integrity: 'keychain',
      backend: 'memory',
      keyId: expect.stringMatching(/^[0-9a-f]{32}$/),
    })
  })

  it('refuses with MUASTS_ERR_KEYCHAIN_UNAVAILABLE when a store with data meets a locked keychain', async () => {
    await (await open()).strengthen(commitment(['tls12']))
    secrets.state = 'locked'
    const store = new FileStore({ dir, secrets })
    const failures = vi.fn()
    store.on('integrity-failure', failures)
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
    expect(failures).toHaveBeenCalledWith(expect.objectContaining({ code: ErrorCode.KeychainUnavailable }))
    // Nothing was re-created while locked; after unlocking the same store works again.
    secrets.state = 'available'
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
  })

  it('refuses a new store on a locked keychain instead of running unprotected', async () => {
    secrets.state = 'locked'
    await expect(open()).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses when the keychain becomes locked after opening and a file changed', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    await (await open()).strengthen(commitment(['tls-cert']))
    secrets.state = 'locked'
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })

  it('treats a deleted key whose probe survives as corrupt, and never creates a new key', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    await secrets.delete(`store/${store.storeId}/key`)
    await expect(open()).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
    expect(await secrets.get(`store/${store.storeId}/key`)).toBeNull()
  })

  it('treats a key and probe that are both gone as an unavailable keychain, even if only the marker remains', async () => {
    const store = await open()
    for (const n of secrets.names()) await secrets.delete(n)
    await expect(new FileStore({ dir, secrets }).ready()).rejects.toMatchObject({
      code: ErrorCode.KeychainUnavailable,
    })
    expect(store.dir).toBe(dir)
  })

  it('refuses a different key than the one the store was created with', async () => {
    const store = await open()
    await secrets.set(`store/${store.storeId}/key`, Buffer.alloc(32, 1).toString('base64'))
    await expect(open()).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
  })

  it('treats deleted high-water marks as a rollback', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    await secrets.delete(`store/${store.storeId}/marks`)
    await expect(open()).rejects.toMatchObject({ code: ErrorCode.StoreRollback })
  })

  it('contains a throwing listener: the store still fails closed with its own error', async () => {
    await (await open()).strengthen(commitment(['tls12']))
    secrets.state = 'locked'
    const store = new FileStore({ dir, secrets })
    store.on('integrity-failure', () => {
      throw new Error('listener bug')
    })
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
    expect(warning).toHaveBeenCalled()
    warning.mockRestore()
  })
})

describe('FileStore: unprotected mode (explicit opt-in only)', () => {
  it('works without a keychain and writes files without a MAC', async () => {
    const store = await FileStore.open({ dir, integrity: 'none-explicit-opt-in' })
    await store.strengthen(commitment(['tls12']))
    expect(JSON.parse(readFileSync(accountFile(), 'utf8')).mac).toBeNull()
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
  })

  it('cannot open a keychain-protected store, and a keychain store cannot open an unprotected one', async () => {
    await (await open()).strengthen(commitment(['tls12']))
    await expect(FileStore.open({ dir, integrity: 'none-explicit-opt-in' })).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
    })
    const other = mkdtempSync(join(tmpdir(), 'mua-sts-store-'))
    try {
      await (await FileStore.open({ dir: other, integrity: 'none-explicit-opt-in' })).strengthen(
        commitment([]),
      )
      await expect(FileStore.open({ dir: other, secrets })).rejects.toMatchObject({
        code: ErrorCode.StoreCorrupt,
      })
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })
})

describe('FileStore: older file formats', () => {
  it('reads a v0 file through its migration and rewrites it as v1 on the next write', async () => {
    const store = await open()
    const master = (await secrets.get(`store/${store.storeId}/key`)) as string
    const v0 = {
      schemaVersion: 0,
      accountId: 'acct_1',
      seq: 4,
      observedAt: '2025-06-01T00:00:00.000Z',
      commitments: [
        {
          service: 'imap',
          host: 'imap.example.net',
          port: 993,
          transport: 'implicit-tls',
          tlsFloor: 'TLSv1.2',
          latches: ['tls12'],
          pins: [],
          firstSeen: '2025-01-01T00:00:00.000Z',
        },
      ],
    }
    const tag = createHmac('sha256', Buffer.from(master, 'base64')).update(canonicalJson(v0)).digest('hex')
    writeFileSync(accountFile(), JSON.stringify({ ...v0, mac: tag }, null, 2))
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    await store.strengthen(commitment(['tls12'], { provenance: {} }))
    const rewritten = JSON.parse(readFileSync(accountFile(), 'utf8'))
    expect(rewritten).toMatchObject({ format: 'mua-sts/store', version: 1, seq: 5 })
    expect((await (await open()).get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
  })

  it('refuses a file with an unknown future version', async () => {
    const store = await open()
    await store.strengthen(commitment(['tls12']))
    const file = JSON.parse(readFileSync(accountFile(), 'utf8'))
    writeFileSync(accountFile(), `${JSON.stringify({ ...file, version: 2 })}\n`)
    await expect(store.get('acct_1', 'imap')).rejects.toMatchObject({ code: ErrorCode.StoreCorrupt })
  })
})
