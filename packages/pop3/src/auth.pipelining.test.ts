// USER+PASS in one write (RFC 2449 §6.6), only where the post-TLS CAPA lists PIPELINING (issue #17).
// The assertions are on what the server received: both lines in one TLS record where pipelining is
// allowed, PASS only after USER's reply everywhere else, and both replies read in order.
import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import {
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
} from '../../../test/fakes/pop3-server.js'
import { fakePop3Servers } from '../../../test/fakes/pop3-servers.js'
import { Pop3Client, Pop3ErrorCode } from './index.js'

const serve = fakePop3Servers()

const open = (server: FakePop3Server): Promise<Pop3Client> =>
  Pop3Client.connect({ ...server.clientEndpoint(), gate: async () => {} })

const PIPELINING = ['USER', 'PIPELINING', 'UIDL']
const USER_PASS = { user: FAKE_USER, pass: FAKE_PASS, mechanism: 'USER' } as const

/** The TLS records (as the server's socket delivered them) that carried USER or PASS. */
function credentialChunks(server: FakePop3Server): string[] {
  return server.byteLog
    .filter((e) => e.phase === 'tls')
    .map((e) => e.bytes.toString('latin1'))
    .filter((t) => /(^|\n)(USER|PASS) /.test(t))
}

describe('USER/PASS login on a server that lists PIPELINING after TLS', () => {
  it('sends USER and PASS in one write and reads both replies', async () => {
    const server = await serve({ mode: 'implicit', capaAfterTls: PIPELINING })
    const client = await open(server)
    await client.login(USER_PASS)
    expect(credentialChunks(server)).toEqual([`USER ${FAKE_USER}\r\nPASS ${FAKE_PASS}\r\n`])
    // In step afterwards: the next command gets its own reply.
    await expect(client.stat()).resolves.toMatchObject({ count: expect.any(Number) })
    await client.quit()
  })

  it('accepts both replies arriving in one segment', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: PIPELINING,
      // The USER reply is held back and sent together with PASS's.
      reply: (cmd) =>
        cmd.verb === 'USER' ? [] : cmd.verb === 'PASS' ? '+OK\r\n+OK logged in\r\n' : undefined,
    })
    const client = await open(server)
    await client.login(USER_PASS)
    await client.quit()
  })

  it('lists pipelining case-insensitively, as every CAPA tag (RFC 5234 §2.3)', async () => {
    const server = await serve({ mode: 'implicit', capaAfterTls: ['USER', 'pipelining'] })
    const client = await open(server)
    await client.login(USER_PASS)
    expect(credentialChunks(server)).toHaveLength(1)
    await client.quit()
  })

  it('reports a refused USER (not PASS) as AUTH_FAILED, reads PASS’s reply, and stays usable', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: PIPELINING,
      reply: (cmd) =>
        cmd.verb === 'USER' && cmd.line !== `USER ${FAKE_USER}`
          ? '-ERR no such user\r\n'
          : cmd.verb === 'PASS' && server.commands.at(-2)?.line !== `USER ${FAKE_USER}`
            ? '-ERR no user given\r\n'
            : undefined,
    })
    const client = await open(server)
    const error = await client.login({ ...USER_PASS, user: 'mallory' }).catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_AUTH_FAILED'), String(error)).toBe(true)
    expect(error).toMatchObject({ step: 'USER' })
    expect((error as Error).message).not.toContain(FAKE_PASS)
    // PASS left with USER, so the message claims only what is true: no command was sent after the refusal.
    expect((error as Error).message).toMatch(/; the SDK sent no command after the refusal\.$/)
    // Both replies were consumed, so a second attempt is in step.
    await client.login(USER_PASS)
    await client.quit()
  })

  it('reports a refused PASS as AUTH_FAILED at PASS, with echoed secrets redacted', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: PIPELINING,
      reply: (cmd) => (cmd.verb === 'PASS' ? `-ERR [AUTH] bad ${cmd.line}\r\n` : undefined),
    })
    const client = await open(server)
    const error = await client.login(USER_PASS).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.AuthFailed, step: 'PASS', responseCode: 'AUTH' })
    expect((error as Error).message).not.toContain(FAKE_PASS)
    client.close()
  })

  it('refuses a server that accepts PASS after refusing USER: PROTOCOL, and the connection is closed', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: PIPELINING,
      reply: (cmd) =>
        cmd.verb === 'USER' ? '-ERR who?\r\n' : cmd.verb === 'PASS' ? '+OK logged in\r\n' : undefined,
    })
    const client = await open(server)
    const error = await client.login(USER_PASS).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.Protocol, step: 'PASS' })
    await expect(client.noop()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
    await server.connectionsClosed()
  })

  it('tears the session down when a third reply trails the two it asked for', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: PIPELINING,
      reply: (cmd) => (cmd.verb === 'PASS' ? '+OK logged in\r\n+OK injected\r\n' : undefined),
    })
    const client = await open(server)
    await expect(client.login(USER_PASS)).rejects.toMatchObject({ code: Pop3ErrorCode.Protocol })
    await expect(client.noop()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
  })
})

describe('USER/PASS login without PIPELINING after TLS', () => {
  it.each([
    ['the post-TLS CAPA does not list it', { mode: 'implicit', capaAfterTls: ['USER'] }],
    [
      'only the cleartext CAPA lists it (the attacker’s, never used)',
      {
        mode: 'starttls',
        capaBeforeTls: ['STLS', 'USER', 'PIPELINING'],
        capaAfterTls: ['USER'],
      },
    ],
  ] as const)('waits for USER’s reply before sending PASS when %s', async (_, script) => {
    const server = await serve(script as FakePop3Script)
    const client = await open(server)
    await client.login(USER_PASS)
    expect(credentialChunks(server)).toEqual([`USER ${FAKE_USER}\r\n`, `PASS ${FAKE_PASS}\r\n`])
    await client.quit()
  })

  it('never sends PASS when USER is refused', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: ['USER'],
      reply: (cmd) => (cmd.verb === 'USER' ? '-ERR who?\r\n' : undefined),
    })
    const client = await open(server)
    await expect(client.login(USER_PASS)).rejects.toMatchObject({ step: 'USER' })
    client.close()
    await server.connectionsClosed()
    expect(server.commands.map((c) => c.verb)).not.toContain('PASS')
  })
})
