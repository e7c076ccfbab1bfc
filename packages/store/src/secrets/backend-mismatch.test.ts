// A store remembers which SecretStore backend holds its key (store.json). Opening it with another one
// must say so, naming both and how to open it, before asking that backend anything: keytar and
// @napi-rs/keyring cannot see each other's items, and "nothing here" would read like a lost key (#16).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, type SdkError } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../../../../test/support/availability.js'
import { keytarAvailable, loadKeytar } from '../../../../test/support/keyring.js'
import { FileStore } from '../file-store.js'
import { keytarSecretStore } from './keytar.js'
import { MemorySecretStore } from './memory.js'
import { napiKeyringSecretStore } from './napi-keyring.js'
import type { SecretStore } from './secret-store.js'

const dirs: string[] = []
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-backend-'))
  dirs.push(dir)
  return join(dir, 'store')
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** One in-memory keychain seen through a backend label, counting every call. */
function labelled(memory: MemorySecretStore, backend: string) {
  const calls: string[] = []
  const seen = <T>(call: string, result: T): T => {
    calls.push(call)
    return result
  }
  const store: SecretStore = {
    backend,
    get: (name) => seen(`get ${name}`, memory.get(name)),
    set: (name, value) => seen(`set ${name}`, memory.set(name, value)),
    delete: (name) => seen(`delete ${name}`, memory.delete(name)),
  }
  return { store, calls }
}

async function openError(dir: string, secrets: SecretStore): Promise<SdkError> {
  return (await FileStore.open({ dir, secrets }).then(
    () => {
      throw new Error('expected the open to fail')
    },
    (e: unknown) => e,
  )) as SdkError
}

describe('opening a store with another backend than it was created with', () => {
  let memory: MemorySecretStore
  beforeEach(() => {
    memory = new MemorySecretStore()
  })

  it('fails with KEYCHAIN_UNAVAILABLE naming both backends and how to open it, before any keychain call', async () => {
    const dir = freshDir()
    const made = labelled(memory, 'napi-keyring')
    await (await FileStore.open({ dir, secrets: made.store })).strengthen(sampleCommitment())
    expect(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')).backend).toBe('napi-keyring')

    const wrong = labelled(memory, 'keytar')
    const error = await openError(dir, wrong.store)
    expect(error.code).toBe(ErrorCode.KeychainUnavailable)
    expect(error.message).toBe(
      'Keychain unavailable: this store was created with napi-keyring; it was opened with keytar. ' +
        'Open it with `--keychain napi-keyring` / `napiKeyringSecretStore()`.',
    )
    expect(error.details).toMatchObject({ backend: 'keytar', recordedBackend: 'napi-keyring' })
    expect(wrong.calls).toEqual([])
    // The right backend still opens it: nothing was changed by the refused open.
    const again = await FileStore.open({ dir, secrets: labelled(memory, 'napi-keyring').store })
    expect(await again.list()).toHaveLength(1)
  })

  it('names the file backend and a custom one, and never quotes a tampered name', async () => {
    const dir = freshDir()
    await (await FileStore.open({ dir, secrets: labelled(memory, 'encrypted-file').store })).strengthen(
      sampleCommitment(),
    )
    expect((await openError(dir, labelled(memory, 'keytar').store)).message).toContain(
      'Open it with `--keychain file` / `encryptedFileSecretStore()`',
    )
    const custom = freshDir()
    await (await FileStore.open({ dir: custom, secrets: labelled(memory, 'vault-agent').store })).ready()
    expect((await openError(custom, labelled(memory, 'keytar').store)).message).toContain(
      'created with vault-agent; it was opened with keytar. Open it with a SecretStore whose backend is "vault-agent"',
    )
    const odd = freshDir()
    await (await FileStore.open({ dir: odd, secrets: labelled(memory, 'x\u001b[31m; rm').store })).ready()
    const message = (await openError(odd, labelled(memory, 'keytar').store)).message
    expect(message).toContain('created with an unrecognised backend')
    expect(message).not.toContain('\u001b')
  })

  it('is not a reason for a reset: the reset ceremony refuses and leaves the store as it was', async () => {
    const dir = freshDir()
    await (await FileStore.open({ dir, secrets: labelled(memory, 'napi-keyring').store })).strengthen(
      sampleCommitment(),
    )
    const wrong = new FileStore({ dir, secrets: labelled(memory, 'keytar').store })
    await expect(wrong.requestReset()).rejects.toMatchObject({
      code: ErrorCode.KeychainUnavailable,
      details: { recordedBackend: 'napi-keyring' },
    })
    const right = await FileStore.open({ dir, secrets: labelled(memory, 'napi-keyring').store })
    expect(await right.list()).toHaveLength(1)
  })
})

// The same with the two real backends on a real Secret Service (scripts/with-keyring.sh).
const real = requireOrSkip(await keytarAvailable(), 'a working keyring for keytar (scripts/with-keyring.sh)')

describe.skipIf(!real)('keytar and @napi-rs/keyring on a real keyring', () => {
  const service = `mua-sts-test-${randomBytes(4).toString('hex')}`
  const created: Array<{ storeId: string; backend: SecretStore }> = []
  afterAll(async () => {
    for (const { storeId, backend } of created)
      for (const item of ['key', 'probe', 'marks']) await backend.delete(`store/${storeId}/${item}`)
    const keytar = await loadKeytar()
    for (const { account } of (await keytar?.findCredentials(service)) ?? [])
      await keytar?.deletePassword(service, account)
  })

  it.each([
    ['napi-keyring', 'keytar', '`--keychain napi-keyring` / `napiKeyringSecretStore()`'],
    ['keytar', 'napi-keyring', '`--keychain keytar` / `keytarSecretStore()`'],
  ] as const)(
    'a store made with %s, opened with %s, says which backend to use',
    async (made, opened, how) => {
      const make = (name: string): SecretStore =>
        name === 'keytar' ? keytarSecretStore({ service }) : napiKeyringSecretStore({ service })
      const dir = freshDir()
      const store = await FileStore.open({ dir, secrets: make(made) })
      created.push({ storeId: store.storeId, backend: make(made) })
      await store.strengthen(sampleCommitment())
      const error = await openError(dir, make(opened))
      expect(error.code).toBe(ErrorCode.KeychainUnavailable)
      expect(error.message).toContain(`this store was created with ${made}; it was opened with ${opened}`)
      expect(error.message).toContain(`Open it with ${how}`)
      expect(await (await FileStore.open({ dir, secrets: make(made) })).list()).toHaveLength(1)
    },
  )
})
