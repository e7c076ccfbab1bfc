// `mua-sts setup` in-process with a scripted terminal: each confirmation item is asked (y/N), then the
// proposal, then the password without echo; declining anything pins nothing and sends no credential.
// Discovery and every address lookup go to a real DNS server on 127.0.0.1 through `--resolver` (there
// is no test-only hook), the server is an in-process fake IMAP server with a PKI generated now; TLS
// and every guard check run for real.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, type FakeImapServer, generatePki, startFakeImap } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoopbackDns, startLoopbackDns } from '../../../../test/support/dns-server.js'
import { memoryIo } from '../__tests__/memory-io.js'
import { EXIT } from '../exit.js'
import { main } from '../main.js'

let dir: string
let server: FakeImapServer
let dns: LoopbackDns

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-setup-'))
  const pki = await generatePki(['mail.other.test'])
  writeFileSync(join(dir, 'ca.pem'), pki.caCert)
  server = await startFakeImap({ mode: 'implicit', leaf: pki.good, id: { name: 'fake', deep: 'tls12' } })
  // The SRV target lies outside example.test and DNSSEC is not in play: RFC 6186 §6 wants the user asked.
  dns = await startLoopbackDns({
    '_imaps._tcp.example.test': {
      SRV: [{ priority: 0, weight: 1, port: server.port, target: 'mail.other.test' }],
    },
    'mail.other.test': { A: ['127.0.0.1'] },
  })
})
afterAll(async () => {
  await server?.close()
  await dns?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

function setup(storeName: string, answers: string[], extra: readonly string[] = []) {
  const store = join(dir, storeName)
  const t = memoryIo({ tty: true, answers })
  const argv = [
    'setup',
    FAKE_USER,
    '--account',
    'acct_alice',
    '--ca',
    join(dir, 'ca.pem'),
    '--store',
    store,
    '--integrity',
    'none-explicit-opt-in',
    '--timeout',
    '2000',
    '--resolver',
    dns.server,
    ...extra,
  ]
  return {
    run: () => main(argv, t.io),
    ...t,
    store: () => new FileStore({ dir: store, integrity: 'none-explicit-opt-in' }),
  }
}

describe('mua-sts setup on a terminal', () => {
  it('asks about the out-of-domain server, then the proposal, then the password, and pins', async () => {
    const s = setup('yes', ['y', 'y', FAKE_PASS])
    expect(await s.run()).toBe(EXIT.ok)
    expect(s.prompts).toEqual([
      '  Confirm? [y/N] ',
      'Pin 1 commitment(s) for acct_alice? [y/N] ',
      `Password for ${FAKE_USER} (not shown): `,
    ])
    expect(s.err.join('\n')).toContain('Is mail.other.test really the IMAP server for example.test?')
    expect(s.out.join('\n')).toContain('Pinned 1 commitment(s) for acct_alice:')
    for (const line of [...s.out, ...s.err]) expect(line).not.toContain(FAKE_PASS)
    const [pinned] = await s.store().list('acct_alice')
    expect(pinned?.endpoint).toEqual({
      host: 'mail.other.test',
      port: server.port,
      transport: 'implicit-tls',
    })
  })

  it.each([
    ['the confirmation item', ['n']],
    ['the proposal', ['y', 'N']],
  ])('pins nothing and sends no credential when %s is declined', async (_what, answers) => {
    const before = server.commands().length
    const s = setup(`declined-${answers.length}`, answers)
    expect(await s.run()).toBe(EXIT.refused)
    expect(s.err.join('\n')).toContain('Not confirmed; nothing was pinned.')
    expect(s.prompts.some((p) => p.startsWith('Password'))).toBe(false)
    expect(await s.store().list()).toEqual([])
    expect(
      server
        .commands()
        .slice(before)
        .some((c) => c.name === 'LOGIN' || c.name === 'AUTHENTICATE'),
    ).toBe(false)
  })

  it('says the password was rejected, exits 5 and pins nothing', async () => {
    const s = setup('wrong', ['y', 'y', 'wrong-password-77'])
    expect(await s.run()).toBe(EXIT.credentials)
    expect(s.err.join('\n')).toContain('The IMAP server rejected the user name or password.')
    expect(await s.store().list()).toEqual([])
  })
})

describe('mua-sts setup --yes', () => {
  // Review of #12: a script's --yes must not pin a server that only an unsigned, out-of-domain DNS
  // answer vouches for; the item has to be named with --accept.
  it('does not acknowledge an item that needs confirmation: nothing pinned, no credential sent', async () => {
    const before = server.commands().length
    const s = setup('yes-only', [FAKE_PASS], ['--yes'])
    expect(await s.run()).toBe(EXIT.refused)
    expect(s.err.join('\n')).toContain('pass --accept imap/')
    expect(s.prompts.some((p) => p.startsWith('Password'))).toBe(false)
    expect(await s.store().list()).toEqual([])
    const sent = server.commands().slice(before)
    expect(sent.some((c) => c.name === 'LOGIN' || c.name === 'AUTHENTICATE')).toBe(false)
  })

  it('pins when the item is named with --accept', async () => {
    const probe = setup('yes-probe', [FAKE_PASS], ['--yes'])
    await probe.run()
    const id = /--accept (\S+)/.exec(probe.err.join('\n'))?.[1]
    expect(id).toBeDefined()
    const s = setup('yes-accept', [FAKE_PASS], ['--yes', '--accept', id as string])
    expect(await s.run()).toBe(EXIT.ok)
    expect(await s.store().list('acct_alice')).toHaveLength(1)
  })

  it('refuses --accept without --yes as a usage error', async () => {
    const s = setup('accept-only', [], ['--accept', 'imap/x'])
    expect(await s.run()).toBe(EXIT.usage)
  })
})
