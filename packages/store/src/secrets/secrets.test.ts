import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '@mua-sts/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encryptedFileSecretStore } from './encrypted-file.js'
import { type KeytarModule, keytarSecretStore } from './keytar.js'
import { MemorySecretStore } from './memory.js'
import { napiKeyringSecretStore } from './napi-keyring.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-secrets-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

// A reversible stand-in for safeStorage: XOR with a fixed pad (the point is that the file holds no plaintext).
const pad = (b: Uint8Array) => Buffer.from(b).map((x) => x ^ 0x5a)
const fakeSafeStorage = {
  encrypt: async (s: string) => pad(Buffer.from(s, 'utf8')),
  decrypt: async (b: Uint8Array) => Buffer.from(pad(b)).toString('utf8'),
}

describe('MemorySecretStore', () => {
  it('stores, returns and deletes values, null when absent', async () => {
    const s = new MemorySecretStore()
    expect(await s.get('a')).toBeNull()
    await s.set('a', 'v')
    expect(await s.get('a')).toBe('v')
    await s.delete('a')
    expect(await s.get('a')).toBeNull()
  })

  it('imitates a locked keyring: reads resolve null, writes reject', async () => {
    const s = new MemorySecretStore()
    await s.set('a', 'v')
    s.state = 'locked'
    expect(await s.get('a')).toBeNull()
    await expect(s.set('a', 'w')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })

  it('imitates an unreachable keychain: everything rejects', async () => {
    const s = new MemorySecretStore()
    s.state = 'unavailable'
    await expect(s.get('a')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })
})

describe('encryptedFileSecretStore', () => {
  it('keeps only ciphertext in its file and reads it back through decrypt', async () => {
    const path = join(dir, 'secrets.json')
    const s = encryptedFileSecretStore({ path, ...fakeSafeStorage })
    await s.set('store/x/key', 'very-secret-value')
    await s.set('store/x/probe', 'p')
    expect(readFileSync(path, 'utf8')).not.toContain('very-secret-value')
    expect(await encryptedFileSecretStore({ path, ...fakeSafeStorage }).get('store/x/key')).toBe(
      'very-secret-value',
    )
    await s.delete('store/x/key')
    expect(await s.get('store/x/key')).toBeNull()
    expect(await s.get('store/x/probe')).toBe('p')
  })

  it('serialises concurrent writes within one process', async () => {
    const s = encryptedFileSecretStore({ path: join(dir, 'secrets.json'), ...fakeSafeStorage })
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.set(`n${i}`, `v${i}`)))
    for (let i = 0; i < 20; i++) expect(await s.get(`n${i}`)).toBe(`v${i}`)
  })

  it('reports a failing decrypt (e.g. another OS user) as keychain unavailable', async () => {
    const path = join(dir, 'secrets.json')
    await encryptedFileSecretStore({ path, ...fakeSafeStorage }).set('k', 'v')
    const broken = encryptedFileSecretStore({
      path,
      encrypt: fakeSafeStorage.encrypt,
      decrypt: async () => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      },
    })
    await expect(broken.get('k')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })

  it('treats a malformed secrets file as corrupt', async () => {
    const path = join(dir, 'secrets.json')
    writeFileSync(path, '{"format":"mua-sts/secrets","version":1,"entries":{"k":42}}')
    await expect(encryptedFileSecretStore({ path, ...fakeSafeStorage }).get('k')).rejects.toMatchObject({
      code: ErrorCode.StoreCorrupt,
    })
  })

  it('validates its options eagerly', () => {
    expect(() => encryptedFileSecretStore({ path: 'relative.json', ...fakeSafeStorage })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidOption,
        message: expect.stringContaining('options.path'),
      }),
    )
    expect(() =>
      encryptedFileSecretStore({
        path: join(dir, 's.json'),
        encrypt: 'no' as never,
        decrypt: fakeSafeStorage.decrypt,
      }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }))
  })
})

describe('keytarSecretStore', () => {
  it('reports a keytar that cannot be loaded as keychain unavailable', async () => {
    const s = keytarSecretStore({
      load: async () => {
        throw new Error("Cannot find module 'keytar'")
      },
    })
    await expect(s.get('x')).rejects.toMatchObject({
      code: ErrorCode.KeychainUnavailable,
      details: expect.objectContaining({ reason: "keytar could not be loaded: Cannot find module 'keytar'" }),
    })
  })

  it('reports a keychain that never answers as unavailable after the deadline', async () => {
    const hanging: KeytarModule = {
      getPassword: () => new Promise(() => {}),
      setPassword: () => new Promise(() => {}),
      deletePassword: () => new Promise(() => {}),
    }
    const s = keytarSecretStore({ load: async () => hanging, timeoutMs: 100 })
    await expect(s.get('x')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })

  it('passes the service name and entry name through to keytar, and wraps its errors', async () => {
    const calls: string[] = []
    const fake: KeytarModule = {
      getPassword: async (service, account) => {
        calls.push(`${service}|${account}`)
        return 'v'
      },
      setPassword: async () => {
        throw new Error('Object does not exist at path "/org/freedesktop/secrets/collection/login"')
      },
      deletePassword: async () => true,
    }
    const s = keytarSecretStore({ service: 'my-app', load: async () => fake })
    expect(await s.get('store/a/key')).toBe('v')
    expect(calls).toEqual(['my-app|store/a/key'])
    await expect(s.set('k', 'v')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })

  it('validates its options eagerly', () => {
    expect(() => keytarSecretStore({ service: 'has space' })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
  })
})

describe('napiKeyringSecretStore', () => {
  it('reports a module that cannot be loaded as keychain unavailable', async () => {
    const s = napiKeyringSecretStore({
      load: async () => {
        throw new Error('no prebuilt binary')
      },
    })
    await expect(s.get('x')).rejects.toMatchObject({ code: ErrorCode.KeychainUnavailable })
  })
})
