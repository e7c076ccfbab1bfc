// The dispatcher in-process (every command's --help, usage errors, exit-code mapping) and the real
// binary spawned once per contract that only a process can show (exit status, one stderr line).
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { memoryIo } from './__tests__/memory-io.js'
import { EXIT, errorLine, exitCodeFor, UsageError } from './exit.js'
import { COMMANDS, main } from './main.js'
import { VERSION } from './version.js'

const ROOT = join(import.meta.dirname, '../../..')
const BIN = join(import.meta.dirname, 'bin.ts')

describe('mua-sts dispatcher', () => {
  it('prints the command list for --help and exits 0', async () => {
    const { io, out } = memoryIo()
    expect(await main(['--help'], io)).toBe(EXIT.ok)
    for (const c of COMMANDS) expect(out.join('\n')).toContain(`  ${c.name}`)
  })

  it.each(COMMANDS.map((c) => c.name))(
    'prints help for `%s --help` and exits 0 without running it',
    async (name) => {
      const { io, out, err } = memoryIo()
      expect(await main([name, '--help'], io)).toBe(EXIT.ok)
      expect(out.join('\n')).toMatch(/^Usage: mua-sts /)
      expect(err).toEqual([])
    },
  )

  it.each([
    [[], 'missing command'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['probe'], 'expected exactly one email address'],
    [['probe', 'a@example.test', 'b@example.test'], 'expected exactly one email address'],
    [['probe', 'a@example.test', '--timeout', '5'], '--timeout: expected at least 100'],
    [['probe', 'a@example.test', '--timeout', 'soon'], '--timeout: expected a whole number'],
    [['probe', 'a@example.test', '--concurrency', '65'], '--concurrency: expected at most 64'],
    [['probe', 'a@example.test', '--account', 'alice@example.test'], '--account'],
    [['probe', 'a@example.test', '--ca', '/nonexistent/ca.pem'], '--ca /nonexistent/ca.pem: cannot read it'],
    [['probe', 'a@example.test', '--ca', '/etc/hostname'], '--ca /etc/hostname: holds no PEM certificate'],
    [
      ['setup', 'a@example.test', '--yes', '--password-stdin', '--ca', '/etc/hostname'],
      '--ca /etc/hostname: holds no PEM certificate',
    ],
    [['probe', 'not-an-address'], 'expected local-part@domain'],
    [['probe', 'a@example.test', '--bogus'], "Unknown option '--bogus'"],
    [['pins'], 'expected list, show, forget or rotate'],
    [['pins', 'rotate', 'acct_1'], 'rotate: expected <account> <service>'],
    [['pins', 'rotate', 'acct_1', 'smtp', '--clear', '--reason', 'key change'], '<service> must be imap'],
    [['pins', 'rotate', 'acct_1', 'imap', '--spki', 'nope'], '--spki: expected a base64 SHA-256 SPKI hash'],
    [
      ['pins', 'rotate', 'acct_1', 'imap', '--spki', `${'A'.repeat(43)}=`, '--reason', 'key change'],
      '--backup <hash> is required',
    ],
    [
      ['pins', 'rotate', 'acct_1', 'imap', '--clear', '--spki', `${'A'.repeat(43)}=`],
      '--clear takes no --spki',
    ],
    [['pins', 'rotate', 'acct_1', 'imap', '--clear'], 'rotate: --reason is required'],
    [['pins', 'list', '--keychain', 'gnome'], '--keychain'],
    [
      ['pins', 'list', '--keychain-file', '/tmp/k'],
      '--keychain-file and --keychain-passphrase-stdin need --keychain file',
    ],
    [['pins', 'list', '--integrity', 'none-explicit-opt-in', '--keychain', 'keytar'], 'uses no keychain'],
    [
      ['pins', 'list', '--keychain', 'file', '--store', tmpdir()],
      'no passphrase; set MUA_STS_KEYCHAIN_PASSPHRASE',
    ],
    [['store'], 'expected reset'],
    [['store', 'wipe'], "unknown subcommand 'wipe'"],
    [['store', 'reset'], 'reset: --reason is required'],
    [['store', 'reset', '--reason', 'lost keyring'], 'pass --yes'],
    [['setup'], 'expected exactly one email address'],
    [['setup', 'not-an-address', '--yes', '--password-stdin'], 'expected local-part@domain'],
    [['setup', 'a@example.test', '--password', 'hunter2'], "Unknown option '--password'"],
    [['setup', 'a@example.test', '--yes'], 'pass the password with --password-stdin'],
    [['setup', 'a@example.test', '--password-stdin'], 'pass --yes'],
    [['setup', 'a@example.test', '--yes', '--password-stdin', '--replace'], '--replace needs --reason'],
    [['setup', 'a@example.test', '--yes', '--password-stdin', '--service', 'smtp'], '--service'],
    [['setup', 'a@example.test', '--yes', '--password-stdin', '--account', 'a b'], '--account'],
    [
      [
        'setup',
        'a@example.test',
        '--yes',
        '--password-stdin',
        '--keychain',
        'file',
        '--keychain-passphrase-stdin',
      ],
      'both read stdin',
    ],
    [['pins', 'show'], 'show: expected exactly one <account>'],
    [['pins', 'forget', 'acct_1'], 'forget: --reason is required'],
    [['pins', 'forget', 'acct_1', '--reason', 'x'], '--reason: expected at least 3 characters'],
    [['pins', 'forget', 'acct_1', '--reason', 'moved', '--service', 'smtp'], '--service'],
    [['pins', 'list', '--integrity', 'off'], '--integrity'],
    [['reports', 'tail'], '--outbox <dir> (or MUA_STS_OUTBOX) is required'],
    [['reports', 'tail', '--outbox', '/nonexistent/outbox'], 'no outbox at /nonexistent/outbox'],
    [['reports', 'export', '--outbox', '/tmp'], 'export: --from and --to are required'],
    [['reports', 'export', '--from', 'yesterday', '--to', 'now'], '--from: expected an ISO-8601 time'],
  ])('rejects %j with exit 2, one line naming the problem, then the usage', async (argv, fragment) => {
    const { io, out, err } = memoryIo()
    expect(await main(argv, io)).toBe(EXIT.usage)
    expect(out).toEqual([])
    expect(err).toHaveLength(2)
    expect(err[0]).toContain(fragment)
    expect(err[0]).toMatch(/\(MUASTS_ERR_INVALID_OPTION\)$/)
    expect(err[1]).toMatch(/^(Usage: mua-sts |Commands: )/)
  })

  it('prints the package version for --version', async () => {
    const { io, out } = memoryIo()
    expect(await main(['--version'], io)).toBe(EXIT.ok)
    expect(out).toEqual([VERSION])
  })

  it('refuses `pins forget` without --yes when stdin is not a terminal, before touching the store', async () => {
    const { io, err } = memoryIo()
    const code = await main(
      ['pins', 'forget', 'acct_1', '--reason', 'moved', '--store', '/nonexistent/store'],
      io,
    )
    expect(code).toBe(EXIT.usage)
    expect(err[0]).toContain('pass --yes')
  })
})

describe('exit codes and error lines', () => {
  it.each([
    [ErrorCode.InvalidOption, EXIT.usage],
    [ErrorCode.StoreCorrupt, EXIT.store],
    [ErrorCode.StoreRollback, EXIT.store],
    [ErrorCode.KeychainUnavailable, EXIT.store],
    [ErrorCode.NoCommitment, EXIT.refused],
    [ErrorCode.ConfirmationRequired, EXIT.refused],
    [ErrorCode.Timeout, EXIT.network],
    [ErrorCode.Aborted, EXIT.interrupted],
    [ErrorCode.AuthFailed, EXIT.credentials],
    [ErrorCode.CommitmentConflict, EXIT.refused],
    [ErrorCode.ProposalTampered, EXIT.refused],
    [ErrorCode.StoreInsecure, EXIT.store],
    [ErrorCode.Internal, EXIT.internal],
  ])('maps %s to exit %i', (code, exit) => {
    expect(exitCodeFor(new SdkError(code))).toBe(exit)
  })

  it('treats anything that is not an SDK error as internal, on one line without a stack', () => {
    const error = new TypeError('boom\n    at somewhere (file.ts:1:1)')
    expect(exitCodeFor(error)).toBe(EXIT.internal)
    expect(errorLine('probe', error)).toBe(
      'mua-sts probe: boom at somewhere (file.ts:1:1) (MUASTS_ERR_INTERNAL)',
    )
    expect(errorLine('', new UsageError('x'))).toBe('mua-sts: x (MUASTS_ERR_INVALID_OPTION)')
  })

  it('keeps the underlying cause of a keychain failure on the line', () => {
    const os = new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')
    const error = new SdkError(
      ErrorCode.KeychainUnavailable,
      'Keychain unavailable: the keychain refused the operation.',
      {
        cause: os,
      },
    )
    expect(errorLine('pins', error)).toBe(
      'mua-sts pins: Keychain unavailable: the keychain refused the operation.: Cannot autolaunch D-Bus without X11 $DISPLAY (MUASTS_ERR_KEYCHAIN_UNAVAILABLE)',
    )
  })
})

describe('the mua-sts binary', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })

  it('exits 0 for --help', () => {
    const r = run('probe', '--help')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Usage: mua-sts probe <email>/)
  })

  it('exits 2 with the error line and the usage, and no stack trace, for bad arguments', () => {
    const r = run('probe', 'alice@example.test', '--concurrency', 'lots')
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(
      'mua-sts probe: --concurrency: expected a whole number; see mua-sts probe --help (MUASTS_ERR_INVALID_OPTION)',
    )
    expect(lines[1]).toMatch(/^Usage: mua-sts probe <email>/)
  })

  it('prints its version for --version', () => {
    const r = run('--version')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(VERSION)
  })
})
