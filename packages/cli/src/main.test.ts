// The dispatcher in-process (every command's --help, usage errors, exit-code mapping) and the real
// binary spawned once per contract that only a process can show (exit status, one stderr line).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { EXIT, errorLine, exitCodeFor, UsageError } from './exit.js'
import type { CliIo } from './io.js'
import { COMMANDS, main } from './main.js'

const ROOT = join(import.meta.dirname, '../../..')
const BIN = join(import.meta.dirname, 'bin.ts')

function memoryIo(env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    errRaw: (t) => err.push(t),
    stdoutIsTty: false,
    stderrIsTty: false,
    stdinIsTty: false,
    env,
    prompt: async () => '',
    onInterrupt: () => () => {},
  }
  return { io, out, err }
}

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
    [['probe', 'a@example.test', '--ca', '/nonexistent/ca.pem'], '--ca: cannot read'],
    [['probe', 'not-an-address'], 'expected local-part@domain'],
    [['probe', 'a@example.test', '--bogus'], "Unknown option '--bogus'"],
    [['pins'], 'expected list, show or forget'],
    [['pins', 'show'], 'show: expected exactly one <account>'],
    [['pins', 'forget', 'acct_1'], 'forget: --reason is required'],
    [['pins', 'forget', 'acct_1', '--reason', 'x'], '--reason: expected at least 3 characters'],
    [['pins', 'forget', 'acct_1', '--reason', 'moved', '--service', 'smtp'], '--service'],
    [['pins', 'list', '--integrity', 'off'], '--integrity'],
    [['reports', 'tail'], '--outbox <dir> (or MUA_STS_OUTBOX) is required'],
    [['reports', 'tail', '--outbox', '/nonexistent/outbox'], 'no outbox at /nonexistent/outbox'],
    [['reports', 'export', '--outbox', '/tmp'], 'export: --from and --to are required'],
    [['reports', 'export', '--from', 'yesterday', '--to', 'now'], '--from: expected an ISO-8601 time'],
  ])('rejects %j with exit 2 and one stderr line naming the problem', async (argv, fragment) => {
    const { io, out, err } = memoryIo()
    expect(await main(argv, io)).toBe(EXIT.usage)
    expect(out).toEqual([])
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(fragment)
    expect(err[0]).toMatch(/\(MUASTS_ERR_INVALID_OPTION\)$/)
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
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^Usage: mua-sts probe <email>/)
  })

  it('exits 2 with exactly one stderr line and no stack trace for bad arguments', () => {
    const r = run('probe', 'alice@example.test', '--concurrency', 'lots')
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'mua-sts probe: --concurrency: expected a whole number; see mua-sts probe --help (MUASTS_ERR_INVALID_OPTION)',
    ])
  })
})
