// The store reset ceremony against a real gnome-keyring through keytar (run under
// scripts/with-keyring.sh; never skipped in CI): the integrity key deleted, the marks deleted, and the
// keyring recreated (a child process in a brand-new keyring) all brick the store until it is reset;
// afterwards nothing is trusted (a guard gets MUASTS_ERR_NO_COMMITMENT), the audit log starts with the
// reset and the old files are kept. A locked keyring answers reads exactly like a recreated one, and
// must never be reset.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { FileStore, keytarSecretStore, type StoreAuditRecord } from '@mua-sts/store'
import { Guard } from '@mua-sts/transport'
import { afterAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { keytarAvailable, loadKeytar } from '../support/keyring.js'
import { tempDir, watch } from './helpers.js'

const RESET = join(import.meta.dirname, 'fixtures', 'reset-store.ts')
const ROOT = join(import.meta.dirname, '..', '..')
const WITH_KEYRING = join(ROOT, 'scripts', 'with-keyring.sh')
const service = `mua-sts-test-${randomBytes(4).toString('hex')}`
const tmp = tempDir('keyring-reset')
let n = 0

afterAll(async () => {
  const keytar = await loadKeytar()
  for (const { account } of (await keytar?.findCredentials(service)) ?? [])
    await keytar?.deletePassword(service, account)
  tmp.remove()
})

const secrets = () => keytarSecretStore({ service })

/** A store with two accounts and one forget in its audit log. */
async function populated(): Promise<FileStore> {
  const store = await FileStore.open({ dir: join(tmp.dir, `store-${n++}`), secrets: secrets() })
  await store.strengthen(sampleCommitment())
  await store.strengthen(sampleCommitment({ account: 'acct_2', service: 'submission' }))
  await store.strengthen(sampleCommitment({ account: 'acct_2' }))
  const { confirmation } = await store.requestForget('acct_2', 'submission')
  await store.forget({
    account: 'acct_2',
    service: 'submission',
    reason: 'moved',
    actor: 'user',
    confirmation,
  })
  return store
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => 'ok',
    (error: unknown) => (isSdkError(error) ? error.code : String(error)),
  )
}

type ChildOutcome = {
  before: { ok: boolean; code?: string; latches?: string[] | null }
  request?: {
    cause: string
    scope: string
    diagnosis: string
    affected: { accounts: number; files: string[] }
  }
  record?: StoreAuditRecord
  after?: (unknown | null)[]
  audit?: StoreAuditRecord[]
  error?: { code: string; message: string }
}

async function resetInChild(dir: string, cmd: string[], env: NodeJS.ProcessEnv): Promise<ChildOutcome> {
  const node = [process.execPath, '--conditions=@mua-sts/source', '--import', 'tsx', RESET, dir, service]
  const [bin, ...args] = [...cmd, ...node]
  const out = watch(spawn(bin as string, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }))
  await out.exited
  const line = out.lines.find((l) => l.startsWith('{'))
  if (line === undefined) throw new Error(`no outcome from child: ${out.stderr()}`)
  return JSON.parse(line) as ChildOutcome
}

/** Files of the store directory and their bytes, quarantine included. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  )
}

const available = requireOrSkip(await keytarAvailable(), 'gnome-keyring')

describe.skipIf(!available)('FileStore reset on a real gnome-keyring', () => {
  it.each([
    ['the integrity key is deleted', 'key', ErrorCode.StoreCorrupt],
    ['the high-water marks are deleted', 'marks', ErrorCode.StoreRollback],
  ] as const)(
    'recovers when %s: nothing trusted until setup, reset audited, files kept',
    async (_c, item, cause) => {
      const store = await populated()
      const oldFiles = snapshot(store.dir)
      await secrets().delete(`store/${store.storeId}/${item}`)
      const reopened = new FileStore({ dir: store.dir, secrets: secrets() })
      expect(await codeOf(reopened.get('acct_1', 'imap'))).toBe(cause)
      expect(await codeOf(reopened.requestForget('acct_1'))).toBe(cause)

      const request = await reopened.requestReset()
      expect(request).toMatchObject({ cause, scope: 'store', affected: { accounts: 2 } })
      const record = await reopened.reset({
        confirmation: request.confirmation,
        actor: 'user',
        reason: 'lost item',
      })

      const fresh = await FileStore.open({ dir: store.dir, secrets: secrets() })
      expect(await fresh.list()).toEqual([])
      expect(await fresh.audit()).toEqual([record])
      const guard = new Guard({ account: 'acct_1', store: fresh }, 'imap', '@mua-sts/test')
      await expect(guard.commitment()).rejects.toMatchObject({ code: ErrorCode.NoCommitment })
      const quarantine = join(store.dir, record.reset?.quarantine as string)
      for (const [name, bytes] of Object.entries(oldFiles)) {
        if (name === 'store.json') continue
        expect(readFileSync(join(quarantine, name), 'utf8')).toBe(bytes)
      }
      await fresh.strengthen(sampleCommitment())
      expect((await guard.commitment()).latches).toEqual(['tls-cert', 'tls12'])
    },
  )

  it('recovers when the keyring is recreated (a new, empty keyring in a child process)', async () => {
    const store = await populated()
    const outcome = await resetInChild(store.dir, ['bash', WITH_KEYRING], process.env)
    expect(outcome.before).toMatchObject({ ok: false, code: ErrorCode.KeychainUnavailable })
    expect(outcome.error).toBeUndefined()
    expect(outcome.request).toMatchObject({
      cause: ErrorCode.KeychainUnavailable,
      scope: 'store',
      diagnosis: expect.stringContaining('recreated'),
      affected: { accounts: 2 },
    })
    expect(outcome.after).toEqual([null, null])
    expect(outcome.audit?.map((r) => r.kind)).toEqual(['reset'])
    expect(outcome.record?.reset?.previousAudit).not.toBeNull()
    const quarantine = join(store.dir, outcome.record?.reset?.quarantine as string)
    expect(readdirSync(quarantine).sort()).toEqual(
      [...(outcome.request?.affected.files ?? []), 'store.json'].sort(),
    )
  })

  it('never resets a locked keyring: it says to unlock it, changes nothing, and the store still works', async () => {
    const store = await populated()
    const before = snapshot(store.dir)
    const home = join(tmp.dir, `locked-home-${n++}`)
    mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 })
    const { DBUS_SESSION_BUS_ADDRESS: _bus, DISPLAY: _d, WAYLAND_DISPLAY: _w, ...rest } = process.env
    const env = { ...rest, HOME: home, XDG_RUNTIME_DIR: join(home, 'run'), XDG_DATA_HOME: join(home, 'data') }
    const outcome = await resetInChild(store.dir, ['dbus-run-session', '--'], env)
    expect(outcome.before).toMatchObject({ ok: false, code: ErrorCode.KeychainUnavailable })
    expect(outcome.error).toMatchObject({
      code: ErrorCode.KeychainUnavailable,
      message: expect.stringContaining('unlock the keychain'),
    })
    expect(snapshot(store.dir)).toEqual(before)
    const again = new FileStore({ dir: store.dir, secrets: secrets() })
    expect((await again.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls12'])
    await expect(again.requestReset()).rejects.toMatchObject({ code: ErrorCode.InvalidOption })
  })
})
