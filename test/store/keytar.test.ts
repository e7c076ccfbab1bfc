// FileStore on keytar against a real gnome-keyring (run under scripts/with-keyring.sh; never skipped in
// CI). Covers the case that makes keytar dangerous for a TOFU store: a locked keyring answers reads with
// null, exactly like "no key yet" (integration notes §4.2).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, isAtLeast } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { FileStore, keytarSecretStore, napiKeyringSecretStore } from '@mua-sts/store'
import { afterAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { keytarAvailable, loadKeytar } from '../support/keyring.js'
import { LOOP, loopCommitment, spawnTsx, tempDir, watch } from './helpers.js'

const OPEN = join(import.meta.dirname, 'fixtures', 'open-store.ts')
const ROOT = join(import.meta.dirname, '..', '..')
const service = `mua-sts-test-${randomBytes(4).toString('hex')}`
const tmp = tempDir('keytar')
let n = 0
const freshDir = () => join(tmp.dir, `store-${n++}`)

afterAll(async () => {
  const keytar = await loadKeytar()
  for (const { account } of (await keytar?.findCredentials(service)) ?? [])
    await keytar?.deletePassword(service, account)
  tmp.remove()
})

type Outcome = { ok: boolean; code?: string; reason?: string; latches?: string[] | null }

/** Runs open-store.ts in a child with `env`, optionally inside its own D-Bus session. */
async function openInChild(dir: string, env: NodeJS.ProcessEnv, ownSession: boolean): Promise<Outcome> {
  const node = [process.execPath, '--conditions=@mua-sts/source', '--import', 'tsx', OPEN, dir, service]
  const [cmd, ...args] = ownSession ? ['dbus-run-session', '--', ...node] : node
  const child = spawn(cmd as string, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const out = watch(child)
  await out.exited
  const line = out.lines.find((l) => l.startsWith('{'))
  if (line === undefined) throw new Error(`no outcome from child: ${out.stderr()}`)
  return JSON.parse(line) as Outcome
}

/** A session whose gnome-keyring was never unlocked: reads resolve null, writes reject. */
function lockedSessionEnv(): NodeJS.ProcessEnv {
  const home = join(tmp.dir, `locked-home-${n++}`)
  const runtime = join(home, 'run')
  mkdirSync(runtime, { recursive: true, mode: 0o700 })
  const { DBUS_SESSION_BUS_ADDRESS: _bus, DISPLAY: _display, WAYLAND_DISPLAY: _wl, ...rest } = process.env
  return { ...rest, HOME: home, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(home, 'data') }
}

const available = requireOrSkip(await keytarAvailable(), 'gnome-keyring')

describe.skipIf(!available)('FileStore on keytar with a real gnome-keyring', () => {
  const secrets = () => keytarSecretStore({ service })

  it('keeps the key, its probe and the marks in the keyring and no secret in the store directory', async () => {
    const dir = freshDir()
    const store = await FileStore.open({ dir, secrets: secrets() })
    await store.strengthen(sampleCommitment())
    const keytar = await loadKeytar()
    const items = ((await keytar?.findCredentials(service)) ?? []).filter((c) =>
      c.account.includes(store.storeId),
    )
    expect(items.map((c) => c.account.split('/').at(-1)).sort()).toEqual(['key', 'marks', 'probe'])
    const key = items.find((c) => c.account.endsWith('/key'))?.password as string
    // Recursive: the marks buckets live in marks/ (packages/store/src/integrity/marks.ts).
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8', withFileTypes: true }).filter((e) =>
      e.isFile(),
    )
    expect(files.length).toBeGreaterThan(2)
    for (const f of files) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(key)
    expect((await new FileStore({ dir, secrets: secrets() }).get('acct_1', 'imap'))?.latches).toEqual([
      'tls-cert',
      'tls12',
    ])
  })

  it('refuses with MUASTS_ERR_KEYCHAIN_UNAVAILABLE when the session bus is unreachable', async () => {
    const dir = freshDir()
    await (await FileStore.open({ dir, secrets: secrets() })).strengthen(sampleCommitment())
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }
    expect(await openInChild(dir, env, false)).toEqual({
      ok: false,
      code: ErrorCode.KeychainUnavailable,
      // The cause is kept and named: the Secret Service on the D-Bus session bus, not just "refused".
      reason: expect.stringContaining('keytar could not reach the Secret Service'),
    })
  })

  it('takes the null of a locked keyring for "unavailable", not for "no key yet", and creates nothing', async () => {
    const dir = freshDir()
    const store = await FileStore.open({ dir, secrets: secrets() })
    await store.strengthen(sampleCommitment())
    const marker = readFileSync(join(dir, 'store.json'))
    const key = await secrets().get(`store/${store.storeId}/key`)
    // Reads succeed with null here; only the marker tells that a key must exist.
    expect(await openInChild(dir, lockedSessionEnv(), true)).toEqual({
      ok: false,
      code: ErrorCode.KeychainUnavailable,
      reason: expect.stringContaining('neither the integrity key nor its probe'),
    })
    expect(readFileSync(join(dir, 'store.json'))).toEqual(marker)
    expect(await secrets().get(`store/${store.storeId}/key`)).toBe(key)
  })

  it('refuses to create a new store on a locked keyring instead of running unprotected', async () => {
    const dir = freshDir()
    expect(await openInChild(dir, lockedSessionEnv(), true)).toMatchObject({
      ok: false,
      code: ErrorCode.KeychainUnavailable,
    })
    // Nothing left behind: not even the directory the failed attempt created (issue #16 item 9).
    expect(existsSync(dir)).toBe(false)
  })

  it('creates a new store when the keyring works and holds no key yet', async () => {
    const dir = freshDir()
    expect(await openInChild(dir, process.env, false)).toEqual({ ok: true, latches: null })
    expect(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))).toMatchObject({ backend: 'keytar' })
  })

  it('is never weaker than the last acknowledged write when writers are SIGKILLed (marks in the keyring)', async () => {
    const dir = freshDir()
    const acked = new Map<string, Set<string>>()
    let next = 0
    for (let kill = 0; kill < 6; kill++) {
      const child = spawnTsx(LOOP, [dir, 'keytar', service, String(next), '-1', 'kt_', 'l', '40'])
      const out = watch(child)
      await out.waitFor('READY')
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 100))
      child.kill('SIGKILL')
      expect((await out.exited).signal, out.stderr()).toBe('SIGKILL')
      for (const l of out.lines) {
        const m = /^ACK (\d+)$/.exec(l)
        if (m === null) continue
        const i = Number(m[1])
        const account = `kt_${Math.floor(i / 40)}`
        acked.set(account, (acked.get(account) ?? new Set()).add(`l${i}`))
        next = Math.max(next, i + 1)
      }
      const store = new FileStore({ dir, secrets: secrets() })
      await store.list()
      for (const [account, latches] of acked) {
        const stored = await store.get(account, 'imap')
        expect(stored !== undefined && isAtLeast(stored, loopCommitment(account, latches))).toBe(true)
      }
    }
    expect(acked.size).toBeGreaterThan(0)
  }, 60_000)

  it('keeps every latch when 3 processes × 10 strengthen one account through the keyring', async () => {
    const dir = freshDir()
    const go = join(tmp.dir, `go-${n++}`)
    const env = { ...process.env, MUASTS_TEST_GO: go }
    const kids = [0, 1, 2].map((p) =>
      watch(spawnTsx(LOOP, [dir, 'keytar', service, '0', '10', 'ktc', `p${p}-`, '1000'], env)),
    )
    await Promise.all(kids.map((k) => k.waitFor('READY')))
    writeFileSync(go, '')
    expect((await Promise.all(kids.map((k) => k.exited))).map((e) => e.code)).toEqual([0, 0, 0])
    const latches = (await new FileStore({ dir, secrets: secrets() }).get('ktc0', 'imap'))?.latches
    expect(latches).toHaveLength(30)
  }, 60_000)

  it('cannot read keytar items through @napi-rs/keyring or the reverse (not data-compatible)', async () => {
    const napi = napiKeyringSecretStore({ service })
    await secrets().set('compat/keytar', 'from-keytar')
    await napi.set('compat/napi', 'from-napi')
    expect(await napi.get('compat/keytar')).toBeNull()
    expect(await secrets().get('compat/napi')).toBeNull()
    expect(await napi.get('compat/napi')).toBe('from-napi')
    await napi.delete('compat/napi')
    await secrets().delete('compat/keytar')
  })
})
