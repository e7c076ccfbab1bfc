// `mua-sts pins` and `mua-sts reports` end to end: the real binary against a temporary FileStore
// (created without a keychain, so it must be opened with --integrity none-explicit-opt-in) and a
// temporary JSONL outbox.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, createCommitment, type Violation } from '@mua-sts/core'
import { JsonlOutbox } from '@mua-sts/reports'
import { FileStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
const NOW = '2026-03-01T09:00:00.000Z'
const temps: string[] = []
const tempDir = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix))
  temps.push(d)
  return d
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true })
})

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('mua-sts pins', () => {
  let dir: string
  let store: FileStore
  const unprotected = () => ['--store', dir, '--integrity', 'none-explicit-opt-in']

  beforeEach(async () => {
    dir = join(tempDir('mua-sts-cli-pins-'), 'store')
    store = new FileStore({ dir, integrity: 'none-explicit-opt-in' })
    const base = {
      account: 'acct_1',
      host: 'mail.example.test',
      transport: 'implicit-tls',
      source: 'setup',
      now: NOW,
    } as const
    await store.strengthen({
      ...createCommitment({ ...base, service: 'imap', port: 993 }),
      latches: ['tls12'],
    })
    await store.strengthen(createCommitment({ ...base, service: 'submission', port: 465 }))
  })

  it('lists every commitment as JSON', () => {
    const r = cli('pins', 'list', '--json', ...unprotected())
    expect(r.status).toBe(0)
    expect(
      JSON.parse(r.stdout)
        .map((c: { service: string }) => c.service)
        .sort(),
    ).toEqual(['imap', 'submission'])
  })

  it('shows one account in full', () => {
    const r = cli('pins', 'show', 'acct_1', ...unprotected())
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('  endpoint    mail.example.test:993 (implicit-tls)')
    expect(r.stdout).toContain('  latches     tls12')
  })

  it('forgets one service with --yes and --reason, shows what goes, and leaves an audit record', async () => {
    const r = cli(
      'pins',
      'forget',
      'acct_1',
      '--service',
      'imap',
      '--reason',
      'moved to a new provider',
      '--actor',
      'tester',
      '--yes',
      ...unprotected(),
    )
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('This removes 1 commitment(s) of acct_1 (imap):')
    expect(r.stderr).toContain('imap  mail.example.test:993  implicit-tls  TLSv1.2  tls12')
    const fresh = new FileStore({ dir, integrity: 'none-explicit-opt-in' })
    expect((await fresh.list('acct_1')).map((c) => c.service)).toEqual(['submission'])
    const [record] = await fresh.audit()
    expect(record).toMatchObject({
      account: 'acct_1',
      services: ['imap'],
      actor: 'tester',
      reason: 'moved to a new provider',
    })
  })

  it('rotates the key pins of one service with --spki, --backup and --reason, audited', async () => {
    const [k1, k2] = [`${'A'.repeat(43)}=`, `${'B'.repeat(43)}=`]
    const r = cli(
      'pins',
      'rotate',
      'acct_1',
      'imap',
      '--spki',
      k1,
      '--backup',
      k2,
      '--reason',
      'server key rotated',
      '--actor',
      'tester',
      '--yes',
      ...unprotected(),
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('now:   (none)')
    expect(r.stderr).toContain(`after: ${k1} ${k2} (backup)`)
    const fresh = new FileStore({ dir, integrity: 'none-explicit-opt-in' })
    expect((await fresh.get('acct_1', 'imap'))?.pins).toEqual({ spki: [k1], backup: [k2] })
    const [record] = await fresh.audit()
    expect(record).toMatchObject({ kind: 'rotate-pins', services: ['imap'], reason: 'server key rotated' })
  })

  it('refuses to reset a store that verifies, and changes nothing', async () => {
    const r = cli('store', 'reset', '--reason', 'just because', '--yes', ...unprotected())
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('nothing to reset')
    const fresh = new FileStore({ dir, integrity: 'none-explicit-opt-in' })
    expect((await fresh.list()).length).toBe(2)
  })

  it('exits 1 when there is nothing to forget or show', () => {
    expect(cli('pins', 'forget', 'acct_2', '--reason', 'cleanup', '--yes', ...unprotected()).status).toBe(1)
    const r = cli('pins', 'show', 'acct_2', ...unprotected())
    expect(r.status).toBe(1)
    expect(r.stderr.trim()).toBe(
      'mua-sts pins: no commitments are pinned for acct_2 (MUASTS_ERR_NO_COMMITMENT)',
    )
  })

  it('exits 3 when the store cannot be opened as asked (a store without integrity read as a keychain store)', () => {
    const r = cli('pins', 'list', '--store', dir)
    expect(r.status).toBe(3)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/\(MUASTS_ERR_STORE_CORRUPT\)$/m)
  })

  it('reads a missing store as empty and does not create it', () => {
    const missing = join(dir, 'nope')
    const r = cli('pins', 'list', '--store', missing)
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('No commitments are pinned.')
    expect(existsSync(missing)).toBe(false)
  })
})

describe('mua-sts reports', () => {
  let dir: string

  beforeEach(() => {
    dir = tempDir('mua-sts-cli-outbox-')
    const outbox = new JsonlOutbox({ dir })
    const violation: Violation = {
      code: 'starttls_not_offered',
      resultType: 'starttls-not-supported',
      path: ['anomalies'],
      expected: 'STARTTLS',
      observed: 'missing',
    }
    for (const [i, day] of ['2026-03-01', '2026-03-02', '2026-03-03'].entries()) {
      outbox.write(
        buildReport({
          reportId: `report-000${i}`,
          now: `${day}T10:00:00.000Z`,
          account: 'acct_1',
          service: 'imap',
          endpoint: { host: 'mail.example.test', port: 143 },
          violations: [violation],
          action: 'blocked_before_auth',
          sdk: { package: '@mua-sts/imap', version: '0.1.0' },
        }),
      )
    }
    outbox.close()
  })

  it('tails the newest reports as JSONL', () => {
    const r = cli('reports', 'tail', '-n', '2', '--json', '--outbox', dir)
    expect(r.status).toBe(0)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).reportId),
    ).toEqual(['report-0001', 'report-0002'])
  })

  it('tails as a table', () => {
    const r = cli('reports', 'tail', '--outbox', dir)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(
      /2026-03-03T10:00:00\.000Z +acct_1 +imap +mail\.example\.test:143 +blocked_before_auth +starttls_not_offered/,
    )
  })

  it('exports a TLSRPT aggregate for a window', () => {
    const r = cli(
      'reports',
      'export',
      '--from',
      '2026-03-02T00:00:00Z',
      '--to',
      '2026-03-03T00:00:00Z',
      '--org',
      'Example Mail',
      '--outbox',
      dir,
    )
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc['organization-name']).toBe('Example Mail')
    expect(JSON.stringify(doc.policies)).toContain('"total-failure-session-count":1')
  })
})
