// `--keychain file` with a real FileStore on disk: the store opens and verifies with the passphrase,
// the keychain file holds no plaintext key, and a wrong passphrase is a keychain error that keeps its
// cause (never a silently fresh store).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCommitment, ErrorCode, isSdkError } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { memoryIo } from '../__tests__/memory-io.js'
import { errorLine } from '../exit.js'
import { openExistingStore, openOrCreateStore, StoreArgsSchema } from '../store-open.js'
import { defaultKeychainFile, KEYCHAIN_PASSPHRASE_ENV } from './secret-backend.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const PASS = 'a long enough passphrase'
const commitment = createCommitment({
  account: 'acct_1',
  service: 'imap',
  host: 'mail.example.test',
  port: 993,
  transport: 'implicit-tls',
  source: 'setup',
  now: '2026-03-01T09:00:00.000Z',
})

function args(dir: string) {
  return StoreArgsSchema.parse({ store: dir, keychain: 'file' })
}

describe('--keychain file', () => {
  it('creates and reopens a keychain-protected store with the passphrase from the environment', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mua-sts-cli-keychain-'))
    dirs.push(root)
    const dir = join(root, 'store')
    const { io } = memoryIo({ env: { [KEYCHAIN_PASSPHRASE_ENV]: PASS } })
    const store = await openOrCreateStore(args(dir), io)
    await store.strengthen(commitment)
    const keychain = readFileSync(defaultKeychainFile(dir), 'utf8')
    expect(keychain).toContain('"format":"mua-sts/secrets"')
    expect(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))).toMatchObject({ integrity: 'keychain' })

    const again = await openExistingStore(args(dir), memoryIo({ tty: true, answers: [PASS] }).io)
    expect((await again.store?.list())?.map((c) => c.service)).toEqual(['imap'])
  })

  it('refuses a wrong passphrase as KEYCHAIN_UNAVAILABLE and prints why', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mua-sts-cli-keychain-'))
    dirs.push(root)
    const dir = join(root, 'store')
    const store = await openOrCreateStore(
      args(dir),
      memoryIo({ env: { [KEYCHAIN_PASSPHRASE_ENV]: PASS } }).io,
    )
    await store.strengthen(commitment)
    const { store: wrong } = await openExistingStore(
      args(dir),
      memoryIo({ env: { [KEYCHAIN_PASSPHRASE_ENV]: 'not the passphrase' } }).io,
    )
    const error = await wrong?.list().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSdkError(error, ErrorCode.KeychainUnavailable)).toBe(true)
    expect(errorLine('pins', error)).toContain('wrong keychain passphrase, or the keychain file was altered')
  })

  it('refuses a short passphrase before touching anything', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mua-sts-cli-keychain-'))
    dirs.push(root)
    await expect(
      openOrCreateStore(
        args(join(root, 'store')),
        memoryIo({ env: { [KEYCHAIN_PASSPHRASE_ENV]: 'short' } }).io,
      ),
    ).rejects.toThrow('expected at least 10 characters')
  })
})
