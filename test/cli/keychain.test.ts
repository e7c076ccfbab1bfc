// `--keychain` reaches every command that opens the store, a store opened with another backend than it
// was made with says which one to use (before asking the wrong keychain anything), and a keychain that
// cannot be reached is explained on one line with its real cause (the Secret Service on D-Bus), not
// just "the keychain refused the operation" (#16).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCommitment } from '@mua-sts/core'
import { FileStore, napiKeyringSecretStore } from '@mua-sts/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryIo } from '../../packages/cli/src/__tests__/memory-io.js'
import { EXIT } from '../../packages/cli/src/exit.js'
import { main } from '../../packages/cli/src/main.js'
import { openOrCreateStore, StoreArgsSchema } from '../../packages/cli/src/store-open.js'
import { requireOrSkip } from '../support/availability.js'
import { keytarAvailable } from '../support/keyring.js'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
const PASSPHRASE = 'keychain flag test passphrase'
const env = { MUA_STS_KEYCHAIN_PASSPHRASE: PASSPHRASE }
const commitment = createCommitment({
  account: 'acct_1',
  service: 'imap',
  host: 'mail.example.test',
  port: 993,
  transport: 'implicit-tls',
  source: 'setup',
  now: '2026-03-01T09:00:00.000Z',
})

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-keychain-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A store made through the CLI's own `--keychain file`, holding one commitment. */
async function fileStore(name: string): Promise<string> {
  const storeDir = join(dir, name)
  const args = StoreArgsSchema.parse({ store: storeDir, keychain: 'file' })
  const store = await openOrCreateStore(args, memoryIo({ env }).io)
  await store.strengthen(commitment)
  return storeDir
}

// Every command that opens the store, with its own arguments (scripts pass --yes).
const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['pins list', ['pins', 'list']],
  ['pins show', ['pins', 'show', 'acct_1']],
  ['pins forget', ['pins', 'forget', 'acct_1', '--reason', 'moving it', '--yes']],
  ['pins rotate', ['pins', 'rotate', 'acct_1', 'imap', '--clear', '--reason', 'key change', '--yes']],
  ['store reset', ['store', 'reset', '--reason', 'lost keyring', '--yes']],
  [
    'setup',
    [
      'setup',
      'alice@example.test',
      '--yes',
      '--password-stdin',
      '--resolver',
      '127.0.0.1:9',
      '--timeout',
      '200',
    ],
  ],
]

describe('mua-sts --keychain on every command that opens the store', () => {
  it.each(COMMANDS)(
    '%s opens a --keychain file store, and refuses it under keytar naming both',
    async (_n, argv) => {
      const storeDir = await fileStore(`s-${randomBytes(4).toString('hex')}`)
      const wrong = memoryIo({ env, stdin: 'not-a-password\n' })
      expect(await main([...argv, '--store', storeDir, '--keychain', 'keytar'], wrong.io)).toBe(EXIT.store)
      expect(wrong.err.join('\n')).toContain(
        'this store was created with encrypted-file; it was opened with keytar. Open it with `--keychain file`',
      )

      const right = memoryIo({ env, stdin: 'not-a-password\n' })
      const code = await main([...argv, '--store', storeDir, '--keychain', 'file'], right.io)
      expect(right.err.join('\n')).not.toMatch(/KEYCHAIN_UNAVAILABLE|STORE_CORRUPT|STORE_ROLLBACK/)
      // Opened: what follows depends on the command (setup goes on to discovery, which fails here).
      expect(code).not.toBe(EXIT.store)
    },
  )
})

function cli(args: readonly string[], extraEnv: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.once('error', reject)
    child.once('close', (status) => resolve({ status, stderr }))
  })
}

describe('mua-sts with no reachable keychain', () => {
  it.each(['keytar', 'napi-keyring'])(
    'says on one line that %s could not reach the Secret Service over D-Bus, with the cause',
    async (keychain) => {
      const storeDir = join(dir, `nobus-${keychain}`)
      mkdirSync(storeDir)
      const r = await cli(['pins', 'list', '--store', storeDir, '--keychain', keychain], {
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/mua-sts-bus',
      })
      expect(r.status).toBe(EXIT.store)
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^mua-sts pins: Keychain unavailable: /)
      expect(lines[0]).toContain(`${keychain} could not reach the Secret Service (org.freedesktop.secrets)`)
      expect(lines[0]).toContain('DBUS_SESSION_BUS_ADDRESS')
      expect(lines[0]).toMatch(/\(MUASTS_ERR_KEYCHAIN_UNAVAILABLE\)$/)
    },
  )
})

// With a real keyring (scripts/with-keyring.sh): a store made by an app with napiKeyringSecretStore is
// read by the CLI with --keychain napi-keyring, and refused by the default (keytar) with the fix named.
const keyring = requireOrSkip(await keytarAvailable(), 'a working keyring (scripts/with-keyring.sh)')

describe.skipIf(!keyring)('mua-sts --keychain napi-keyring on a real keyring', () => {
  const service = 'mua-sts'
  let storeDir: string
  let storeId: string
  beforeAll(async () => {
    storeDir = join(dir, 'napi')
    const store = await FileStore.open({ dir: storeDir, secrets: napiKeyringSecretStore({ service }) })
    await store.strengthen(commitment)
    storeId = store.storeId
  })
  afterAll(async () => {
    const napi = napiKeyringSecretStore({ service })
    for (const item of ['key', 'probe', 'marks']) await napi.delete(`store/${storeId}/${item}`)
  })

  it('lists the pins with --keychain napi-keyring', async () => {
    const t = memoryIo()
    expect(
      await main(['pins', 'list', '--json', '--store', storeDir, '--keychain', 'napi-keyring'], t.io),
    ).toBe(EXIT.ok)
    expect(JSON.parse(t.out.join('\n'))).toEqual([commitment])
  })

  it('refuses under the default keychain, naming napi-keyring and the flag', async () => {
    const t = memoryIo()
    expect(await main(['pins', 'list', '--store', storeDir], t.io)).toBe(EXIT.store)
    expect(t.err[0]).toContain(
      'this store was created with napi-keyring; it was opened with keytar. Open it with `--keychain napi-keyring`',
    )
  })
})
