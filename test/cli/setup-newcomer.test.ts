// A newcomer with the CLI alone, end to end, every step a child process of the real binary: a real
// Dovecot on 127.0.0.1 (test CA generated now), a real validating resolver (Unbound) serving a signed
// example.test zone with RFC 6186 SRV records and the A record of mail.example.test, and a store whose
// integrity key is sealed under a passphrase (`--keychain file`, headless). No test-only hook: discovery
// and every address lookup go through `--resolver`.
//
//   setup → pins list → pins forget → setup again → keychain lost → pins list refuses → store reset →
//   nothing trusted → setup again; and a wrong password, on its own Dovecot (Dovecot's auth penalty
//   would slow every later login from 127.0.0.1), pins nothing and says so.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Commitment } from '@mua-sts/core'
import type { FileStore } from '@mua-sts/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryIo } from '../../packages/cli/src/__tests__/memory-io.js'
import { openExistingStore, StoreArgsSchema } from '../../packages/cli/src/store-open.js'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
const PASSPHRASE = 'newcomer keychain passphrase'
const EMAIL = 'alice@example.test'
const ACCOUNT = 'acct_alice'

type Run = { status: number | null; stdout: string; stderr: string }

function cli(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, MUA_STS_KEYCHAIN_PASSPHRASE: PASSPHRASE }
    const child = spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.once('error', reject)
    child.once('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

/** example.test with RFC 6186 SRV records for Dovecot; `implicitTls: false` is a provider that dropped them. */
function zone(d: Dovecot, implicitTls = true) {
  const srv = (label: string, port: number) => `${label} IN SRV 0 1 ${port} mail.example.test.`
  const implicit = [
    srv('_imaps._tcp', d.ports.imaps),
    srv('_pop3s._tcp', d.ports.pop3s),
    srv('_submissions._tcp', d.ports.submissions),
  ]
  return {
    origin: 'example.test',
    records: [
      'mail IN A 127.0.0.1',
      ...(implicitTls ? implicit : []),
      srv('_imap._tcp', d.ports.imap),
      srv('_pop3._tcp', d.ports.pop3),
      srv('_submission._tcp', d.ports.submission),
    ],
  }
}

const available = requireOrSkip(dovecotAvailable(), 'dovecot') && requireOrSkip(unboundAvailable(), 'unbound')

describe.skipIf(!available)('mua-sts: a newcomer sets up, lists, forgets, resets and sets up again', () => {
  let dir: string
  let caFile: string
  let dovecot: Dovecot
  let unbound: UnboundHandle

  beforeAll(async () => {
    const pki = testPki()
    dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-newcomer-'))
    caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, pki.caCert)
    dovecot = await startDovecot({ leaf: pki.good, deepStatus: 'tls12 tls-cert' })
    unbound = await startUnbound(zone(dovecot))
  }, 60_000)
  afterAll(async () => {
    await unbound?.stop()
    await dovecot?.stop()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  const storeDir = () => join(dir, 'store')
  const net = () => ['--ca', caFile, '--resolver', unbound.server, '--timeout', '3000']
  const store = () => ['--store', storeDir(), '--keychain', 'file']
  const setup = () =>
    cli(
      ['setup', EMAIL, '--password-stdin', '--yes', '--json', '--account', ACCOUNT, ...net(), ...store()],
      `${dovecot.password}\n`,
    )
  const reopen = async (): Promise<FileStore> => {
    const args = StoreArgsSchema.parse({ store: storeDir(), keychain: 'file' })
    const { store: s } = await openExistingStore(
      args,
      memoryIo({ env: { MUA_STS_KEYCHAIN_PASSPHRASE: PASSPHRASE } }).io,
    )
    if (s === undefined) throw new Error('no store')
    return s
  }
  const endpoints = (cs: readonly Commitment[]) =>
    cs.map((c) => `${c.service} ${c.endpoint.host}:${c.endpoint.port} ${c.endpoint.transport}`).sort()

  const expectPinnedAll = async (r: Run) => {
    expect(r.status, r.stderr).toBe(0)
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(dovecot.password)
    const doc = JSON.parse(r.stdout) as { status: string; account: string; pinned: Commitment[] }
    expect(doc).toMatchObject({ status: 'pinned', account: ACCOUNT, exitCode: 0 })
    expect(endpoints(doc.pinned)).toEqual([
      `imap mail.example.test:${dovecot.ports.imaps} implicit-tls`,
      `pop3 mail.example.test:${dovecot.ports.pop3s} implicit-tls`,
      `submission mail.example.test:${dovecot.ports.submissions} implicit-tls`,
    ])
    // The store holds exactly what setup reported.
    expect(await (await reopen()).list(ACCOUNT)).toEqual(doc.pinned)
    return doc
  }

  it('sets up the account through discovery, probes and guarded logins, and pins it', async () => {
    const r = await setup()
    const doc = await expectPinnedAll(r)
    expect(doc.pinned.find((c) => c.service === 'imap')?.latches).toEqual(['tls-cert', 'tls12'])
    expect(r.stderr).toMatch(/Found \d+ candidate\(s\)/)
    expect(r.stderr).toContain('Testing the password through the guarded clients')
  }, 60_000)

  it('lists the pins, forgets them with a reason, and sets up again', async () => {
    const list = await cli(['pins', 'list', '--json', ...store()])
    expect(list.status, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout) as Commitment[]).map((c) => c.account)).toEqual([
      ACCOUNT,
      ACCOUNT,
      ACCOUNT,
    ])

    const forget = await cli(['pins', 'forget', ACCOUNT, '--reason', 'trying it again', '--yes', ...store()])
    expect(forget.status, forget.stderr).toBe(0)
    expect(forget.stdout).toContain(`Forgot imap, pop3, submission for ${ACCOUNT}`)
    const empty = await cli(['pins', 'list', ...store()])
    expect(empty.stdout.trim()).toBe('No commitments are pinned.')

    await expectPinnedAll(await setup())
  }, 90_000)

  it('after the keychain is lost: refuses, resets through the audited ceremony, trusts nothing, and sets up again', async () => {
    rmSync(`${storeDir()}.keychain`)
    const refused = await cli(['pins', 'list', ...store()])
    expect(refused.status).toBe(3)
    expect(refused.stderr).toMatch(/MUASTS_ERR_(KEYCHAIN_UNAVAILABLE|STORE_CORRUPT|STORE_ROLLBACK)\)$/m)

    const reset = await cli([
      'store',
      'reset',
      '--reason',
      'keyring was recreated',
      '--yes',
      '--json',
      ...store(),
    ])
    expect(reset.status, reset.stderr).toBe(0)
    expect(reset.stderr).toContain('Every account in it is left with NO commitment')
    expect(JSON.parse(reset.stdout)).toMatchObject({ kind: 'reset', reason: 'keyring was recreated' })

    // Nothing is trusted on first use: the account has no commitment until setup runs again.
    const after = await cli(['pins', 'show', ACCOUNT, ...store()])
    expect(after.status).toBe(1)
    expect(after.stderr).toContain('MUASTS_ERR_NO_COMMITMENT')

    await expectPinnedAll(await setup())
    const audit = await (await reopen()).audit()
    expect(audit.map((a) => a.kind)).toContain('reset')
  }, 90_000)

  it('after a provider move: refuses to join, then replaces through the audited ceremony with --replace', async () => {
    const before = await (await reopen()).list(ACCOUNT)
    const moved = await startUnbound(zone(dovecot, false))
    try {
      const args = [
        'setup',
        EMAIL,
        '--password-stdin',
        '--yes',
        '--json',
        '--account',
        ACCOUNT,
        '--ca',
        caFile,
      ]
      const run = (...extra: string[]) =>
        cli([...args, '--resolver', moved.server, ...store(), ...extra], `${dovecot.password}\n`)
      const refused = await run()
      expect(refused.status, refused.stderr).toBe(1)
      expect(refused.stderr).toContain('already has a commitment that conflicts')
      expect(refused.stderr).toContain('pass --replace --reason')
      expect(JSON.parse(refused.stdout)).toMatchObject({ status: 'not-pinned', pinned: [] })
      expect(await (await reopen()).list(ACCOUNT)).toEqual(before)

      const replaced = await run('--replace', '--reason', 'provider dropped implicit TLS')
      expect(replaced.status, replaced.stderr).toBe(0)
      const doc = JSON.parse(replaced.stdout) as { pinned: Commitment[]; replaced: { reason: string } }
      expect(endpoints(doc.pinned)).toEqual([
        `imap mail.example.test:${dovecot.ports.imap} starttls`,
        `pop3 mail.example.test:${dovecot.ports.pop3} starttls`,
        `submission mail.example.test:${dovecot.ports.submission} starttls`,
      ])
      expect(doc.replaced.reason).toBe('provider dropped implicit TLS')
      const now = await reopen()
      expect(await now.list(ACCOUNT)).toEqual(doc.pinned)
      const last = (await now.audit()).at(-1)
      expect(last).toMatchObject({
        kind: 'replace',
        account: ACCOUNT,
        reason: 'provider dropped implicit TLS',
      })
      expect(endpoints(last?.removed ?? [])).toEqual(endpoints(before))
    } finally {
      await moved.stop()
    }
  }, 120_000)
})

describe.skipIf(!available)('mua-sts setup with a wrong password', () => {
  let dir: string
  let caFile: string
  let dovecot: Dovecot
  let unbound: UnboundHandle

  beforeAll(async () => {
    const pki = testPki()
    dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-wrongpass-'))
    caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, pki.caCert)
    dovecot = await startDovecot({ leaf: pki.good })
    unbound = await startUnbound(zone(dovecot))
  }, 60_000)
  afterAll(async () => {
    await unbound?.stop()
    await dovecot?.stop()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('pins nothing, says the server rejected the password, and exits 5', async () => {
    const wrong = 'not-the-password-4f1a'
    const storeDir = join(dir, 'store')
    const r = await cli(
      [
        'setup',
        EMAIL,
        '--password-stdin',
        '--yes',
        '--json',
        '--account',
        ACCOUNT,
        '--ca',
        caFile,
        '--resolver',
        unbound.server,
        '--store',
        storeDir,
        '--keychain',
        'file',
      ],
      `${wrong}\n`,
    )
    expect(r.status, r.stderr).toBe(5)
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(wrong)
    const doc = JSON.parse(r.stdout) as {
      status: string
      pinned: unknown[]
      failures: Array<{ kind: string; code: string }>
    }
    expect(doc.status).toBe('not-pinned')
    expect(doc.pinned).toEqual([])
    expect(doc.failures.map((f) => f.kind)).toEqual(['credentials', 'credentials', 'credentials'])
    expect(r.stderr).toContain('rejected the user name or password')
    expect(r.stderr).toContain('Nothing was pinned.')
    const list = await cli(['pins', 'list', '--json', '--store', storeDir, '--keychain', 'file'])
    expect(list.status, list.stderr).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual([])
    // Dovecot saw the (wrong) login attempts, so the guards did let the test through to AUTH.
    expect(dovecot.log()).toMatch(/auth failed|Authentication failed|password mismatch/i)
  }, 60_000)
})
