// A compliant server over both committed modes: connectPop3 checks, logs in and returns a working
// client; every Guard decision came before the first credential byte; replies split into 1-byte
// segments change nothing; the committed host is what TLS checks even when trust.lookup dials elsewhere.
import type { LookupFunction } from 'node:net'
import { buffer } from 'node:stream/consumers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FAKE_TOKEN,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../fakes/pop3-server.js'
import { ACCOUNT, commit, expectFailedWithoutReport, pki, recordChecks } from './harness.js'

const MESSAGES = [
  { body: 'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst body\r\n', uid: 'u-1' },
  { body: 'Subject: two\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n', uid: 'u-2' },
]
const sizes = MESSAGES.map((m) => Buffer.byteLength(m.body))

describe.each([
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const)('connectPop3 on a %s commitment', (transport, mode) => {
  let server: FakePop3Server
  afterEach(async () => {
    vi.restoreAllMocks()
    await server?.close()
  })
  const start = async (script: Omit<FakePop3Script, 'mode'> = {}, pins: readonly string[] = []) => {
    server = await startFakePop3({ mode, leaf: pki.good, messages: MESSAGES, ...script })
    return commit(server.port, { transport, pins })
  }

  it('checks before any credential, logs in, and runs STAT, LIST, UIDL, RETR, DELE and QUIT', async () => {
    const setup = await start()
    const checks = recordChecks(server)
    const client = await setup.connect()
    expect(checks.length).toBeGreaterThan(0)
    expect(checks.every((c) => c.ok && !c.credentialsBefore)).toBe(true)
    expect(await client.stat()).toEqual({ count: 2, size: sizes[0]! + sizes[1]! })
    expect(await client.list()).toEqual([
      { id: 1, size: sizes[0] },
      { id: 2, size: sizes[1] },
    ])
    expect(await client.uidl()).toEqual([
      { id: 1, uid: 'u-1' },
      { id: 2, uid: 'u-2' },
    ])
    expect((await buffer(await client.retr(2))).toString('latin1')).toBe(MESSAGES[1]!.body)
    await client.dele(1)
    await client.quit()
    expect(server.mailbox.map((m) => m.uid)).toEqual(['u-2'])
    expect(client.commitment).toEqual(setup.commitment)
    expect(setup.reports).toEqual([])
    // Issue #14: one security record for the connection, on the client.
    expect(client.security).toMatchObject({
      service: 'pop3',
      outcome: 'passed',
      endpoint: { port: server.port, transport },
      tls: { version: expect.stringMatching(/^TLSv1\.[23]$/), cipher: expect.any(String) },
      certificate: { spkiSha256: pki.good.spki },
    })
    const wire = server.commands.map((c) => `${c.phase} ${c.verb}`)
    const prefix = mode === 'starttls' ? ['plain CAPA', 'plain STLS'] : []
    expect(wire.slice(0, prefix.length + 2)).toEqual([...prefix, 'tls CAPA', 'tls AUTH'])
  })

  it('passes a commitment that pins the server key', async () => {
    const setup = await start({}, [pki.good.spki])
    const client = await setup.connect()
    await client.quit()
    expect(setup.reports).toEqual([])
  })

  it('logs in with an OAuth 2.0 access token (AUTH XOAUTH2)', async () => {
    const setup = await start()
    const client = await setup.connect({ auth: { user: FAKE_USER, accessToken: FAKE_TOKEN } })
    await client.quit()
    expect(server.commands.filter((c) => c.verb === 'AUTH').map((c) => c.line.split(' ')[1])).toEqual([
      'XOAUTH2',
    ])
  })

  it('works the same when every reply arrives in 1-byte segments', async () => {
    const setup = await start({ segmentBytes: 1 })
    const checks = recordChecks(server)
    const client = await setup.connect()
    expect(checks.every((c) => c.ok && !c.credentialsBefore)).toBe(true)
    expect((await buffer(await client.retr(1))).toString('latin1')).toBe(MESSAGES[0]!.body)
    await client.quit()
    expect(setup.reports).toEqual([])
  })

  it('rejects wrong credentials with AUTH_FAILED (as IMAP and SMTP do), no report and nothing learned', async () => {
    const setup = await start({ capaAfterTls: ['USER', 'DEEP tls12 tls-cert'] })
    const error = await expectFailedWithoutReport(
      setup,
      setup.connect({ auth: { user: FAKE_USER, pass: 'wrong password' } }),
      'MUASTS_ERR_AUTH_FAILED',
    )
    expect(error).toMatchObject({ step: 'PASS', responseCode: 'AUTH' })
    expect(String(error)).not.toContain('wrong password')
    await server.connectionsClosed()
  })
})

/** A dns.lookup-compatible resolver that answers 127.0.0.1 for every name (both callback shapes). */
function loopback(seen: (host: string) => void): LookupFunction {
  return ((host: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
    seen(host)
    if (o.all === true) cb(null, [{ address: '127.0.0.1', family: 4 }])
    else cb(null, '127.0.0.1', 4)
  }) as LookupFunction
}

describe('dialling', () => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })

  it('dials through trust.lookup but checks the certificate against the committed name', async () => {
    server = await startFakePop3({ mode: 'implicit', leaf: pki.good })
    // mail.example.test does not resolve here: only the lookup can reach the server.
    const setup = await commit(server.port, { transport: 'implicit-tls', host: 'mail.example.test' })
    const asked: string[] = []
    const lookup = loopback((host) => asked.push(host))
    const client = await setup.connect({ trust: { ca: pki.caCert, lookup } })
    expect(await client.stat()).toEqual({ count: 0, size: 0 })
    await client.quit()
    expect(asked).toEqual(['mail.example.test'])
    expect(setup.reports).toEqual([])
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  })

  it('refuses when trust.lookup dials a server whose certificate is for another name', async () => {
    server = await startFakePop3({ mode: 'implicit', leaf: pki.good })
    const setup = await commit(server.port, { transport: 'implicit-tls', host: 'pop.other.invalid' })
    const lookup = loopback(() => {})
    const error = await setup.connect({ trust: { ca: pki.caCert, lookup } }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_COMMITMENT_VIOLATED' })
    expect(setup.reports[0]?.violations.map((v) => v.code)).toContain('certificate_host_mismatch')
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })
})
