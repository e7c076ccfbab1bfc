// Happy paths and command semantics against the in-process fake, over both transports.
import { getEventListeners } from 'node:events'
import { buffer } from 'node:stream/consumers'
import { TLSSocket } from 'node:tls'
import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { FAKE_PASS, FAKE_TOKEN, FAKE_USER, type FakePop3Server } from '../../../test/fakes/pop3-server.js'
import { fakePop3Servers } from '../../../test/fakes/pop3-servers.js'
import { isPop3Error, Pop3Client, Pop3ErrorCode, type Pop3GateContext } from './index.js'

const serve = fakePop3Servers()

async function open(server: FakePop3Server, gate = async (_: Pop3GateContext) => {}): Promise<Pop3Client> {
  return Pop3Client.connect({ ...server.clientEndpoint(), gate })
}

const MESSAGES = [
  { body: 'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst body\r\nline two\r\n', uid: 'u-1' },
  { body: 'Subject: two\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n', uid: 'u-2' },
]

describe.each(['implicit', 'starttls'] as const)('Pop3Client over %s', (mode) => {
  it('calls the gate exactly once with the live TLS socket before any credential command', async () => {
    const server = await serve({ mode })
    const seen: Pop3GateContext[] = []
    const client = await open(server, async (ctx) => {
      seen.push(ctx)
      expect(server.sawCredentials()).toBe(false)
    })
    expect(seen).toHaveLength(1)
    const ctx = seen[0]!
    expect(ctx.socket).toBeInstanceOf(TLSSocket)
    expect(ctx.socket.encrypted).toBe(true)
    expect(ctx.socket.authorized).toBe(true)
    expect(ctx.transport).toBe(mode === 'implicit' ? 'implicit-tls' : 'starttls')
    expect(ctx.capsAfterTls).toEqual(client.capabilities)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await client.quit()
  })

  it('logs in with AUTH PLAIN when the post-TLS CAPA lists it', async () => {
    const server = await serve({ mode })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await client.quit()
    expect(
      server.commands.filter((c) => c.verb === 'AUTH').map((c) => c.line.split(' ').slice(0, 2).join(' ')),
    ).toEqual(['AUTH PLAIN'])
    expect(server.commands.some((c) => c.verb === 'USER' || c.verb === 'PASS')).toBe(false)
  })

  it('runs STAT, LIST, UIDL, TOP, DELE, RSET and NOOP with parsed results', async () => {
    const server = await serve({ mode, messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    const sizes = MESSAGES.map((m) => Buffer.byteLength(m.body))
    expect(await client.stat()).toEqual({ count: 2, size: sizes[0]! + sizes[1]! })
    expect(await client.list()).toEqual([
      { id: 1, size: sizes[0] },
      { id: 2, size: sizes[1] },
    ])
    expect(await client.list(2)).toEqual({ id: 2, size: sizes[1] })
    expect(await client.uidl()).toEqual([
      { id: 1, uid: 'u-1' },
      { id: 2, uid: 'u-2' },
    ])
    expect(await client.uidl(1)).toEqual({ id: 1, uid: 'u-1' })
    expect((await client.top(1, 1)).toString()).toBe(
      'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst body\r\n',
    )
    await client.dele(1)
    expect(await client.stat()).toEqual({ count: 1, size: sizes[1] })
    await client.rset()
    expect((await client.stat()).count).toBe(2)
    await client.noop()
    await client.quit()
  })

  it('applies DELE only after QUIT', async () => {
    const server = await serve({ mode, messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await client.dele(1)
    expect(server.mailbox).toHaveLength(2)
    await client.quit()
    await server.connectionsClosed()
    expect(server.mailbox.map((m) => m.uid)).toEqual(['u-2'])
  })

  it('drops DELE marks when the connection is closed without QUIT', async () => {
    const server = await serve({ mode, messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await client.dele(1)
    client.close()
    await server.connectionsClosed()
    expect(server.mailbox).toHaveLength(2)
    await expect(client.noop()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
  })

  it('retrieves a message with dot-prefixed lines byte for byte', async () => {
    const server = await serve({ mode, messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    for (const [i, m] of MESSAGES.entries()) {
      expect((await buffer(await client.retr(i + 1))).equals(Buffer.from(m.body))).toBe(true)
    }
    await client.quit()
  })

  it('still works when every server reply arrives in 1-byte segments', async () => {
    const server = await serve({ mode, messages: MESSAGES, segmentBytes: 1 })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    expect((await client.stat()).count).toBe(2)
    expect((await buffer(await client.retr(2))).toString()).toBe(MESSAGES[1]!.body)
    await client.quit()
  })
})

describe('Pop3Client authentication', () => {
  it('falls back to USER/PASS when the post-TLS CAPA has no SASL PLAIN', async () => {
    const server = await serve({ mode: 'implicit', capaAfterTls: ['USER', 'UIDL'] })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    expect(server.commands.map((c) => c.verb)).toEqual(['CAPA', 'USER', 'PASS'])
    await client.quit()
  })

  it('logs in with an OAuth access token over AUTH XOAUTH2, announcing the mechanism first when the token is long', async () => {
    const token = `${FAKE_TOKEN}${'x'.repeat(300)}`
    const server = await serve({ mode: 'implicit', accounts: [{ user: FAKE_USER, token }] })
    const client = await open(server)
    await client.login({ user: FAKE_USER, accessToken: token })
    expect(server.commands.filter((c) => c.phase === 'tls').map((c) => c.verb)).toEqual([
      'CAPA',
      'AUTH',
      'SASL-RESPONSE',
    ])
    expect(server.commands.find((c) => c.verb === 'AUTH')?.line).toBe('AUTH XOAUTH2')
    await client.quit()
  })

  it('reports a rejected access token as AUTH_FAILED without echoing the token', async () => {
    const server = await serve({ mode: 'implicit' })
    const client = await open(server)
    const error = await client.login({ user: FAKE_USER, accessToken: 'wrong-token' }).catch((e: unknown) => e)
    expect(isPop3Error(error, Pop3ErrorCode.AuthFailed)).toBe(true)
    expect(isSdkError(error, 'MUASTS_ERR_AUTH_FAILED')).toBe(true)
    expect(error).toMatchObject({ step: 'AUTH XOAUTH2', responseCode: 'AUTH' })
    expect((error as Error).message).toMatch(/^The POP3 server rejected the access token .*Get a fresh token/)
    expect(String((error as Error).message)).not.toContain('wrong-token')
    await client.login({ user: FAKE_USER, accessToken: FAKE_TOKEN })
    await client.quit()
  })

  it('reports a wrong password as AUTH_FAILED, redacts echoed secrets, and allows another attempt', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: ['USER'],
      reply: (cmd) =>
        cmd.verb === 'PASS' && cmd.line !== `PASS ${FAKE_PASS}`
          ? `-ERR [AUTH] bad ${cmd.line}\r\n`
          : undefined,
    })
    const client = await open(server)
    const error = await client.login({ user: FAKE_USER, pass: 'hunter2-wrong' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.AuthFailed, step: 'PASS', responseCode: 'AUTH' })
    expect((error as Error).message).toMatch(
      /^The POP3 server rejected the user name or password \(\[AUTH\] bad PASS \[redacted\]\)\. Check the credentials; the SDK sent no command after the refusal\.$/,
    )
    expect((error as Error).message).not.toContain('hunter2-wrong')
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await client.quit()
  })

  it('keeps COMMAND_FAILED for a login refused for another reason ([IN-USE]), which may be retried', async () => {
    const server = await serve({
      mode: 'implicit',
      capaAfterTls: ['USER'],
      reply: (cmd) => (cmd.verb === 'PASS' ? '-ERR [IN-USE] maildrop locked\r\n' : undefined),
    })
    const client = await open(server)
    const error = await client.login({ user: FAKE_USER, pass: FAKE_PASS }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.CommandFailed, step: 'PASS', responseCode: 'IN-USE' })
    expect((error as Error).message).toMatch(/for a reason other than the credentials .*Try again later/)
    client.close()
  })

  it('rejects credentials containing CR or LF before sending anything', async () => {
    const server = await serve({ mode: 'implicit' })
    const client = await open(server)
    await expect(client.login({ user: FAKE_USER, pass: 'x\r\nDELE 1' })).rejects.toMatchObject({
      code: Pop3ErrorCode.InvalidOption,
    })
    await expect(
      client.login({ user: FAKE_USER, pass: 'x'.repeat(300), mechanism: 'USER' }),
    ).rejects.toMatchObject({
      code: Pop3ErrorCode.InvalidOption,
    })
    client.close()
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })
})

describe('Pop3Client command errors', () => {
  it('turns -ERR on a command into COMMAND_FAILED and keeps the session usable', async () => {
    const server = await serve({ mode: 'implicit', messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    await expect(client.retr(9)).rejects.toMatchObject({ code: Pop3ErrorCode.CommandFailed, step: 'RETR' })
    await expect(client.list(9)).rejects.toMatchObject({ code: Pop3ErrorCode.CommandFailed, step: 'LIST' })
    expect((await client.stat()).count).toBe(2)
    await client.quit()
  })

  it('rejects invalid message numbers without sending a command', async () => {
    const server = await serve({ mode: 'implicit', messages: MESSAGES })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    const before = server.commands.length
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(client.retr(bad)).rejects.toMatchObject({ code: Pop3ErrorCode.InvalidOption })
      await expect(client.dele(bad)).rejects.toMatchObject({ code: Pop3ErrorCode.InvalidOption })
    }
    await expect(client.top(1, -1)).rejects.toMatchObject({ code: Pop3ErrorCode.InvalidOption })
    expect(server.commands.length).toBe(before)
    await client.quit()
  })

  it('aborts RETR with TOO_LARGE past maxBytes and closes the connection', async () => {
    const server = await serve({
      mode: 'implicit',
      messages: [{ body: `Subject: big\r\n\r\n${'y'.repeat(5000)}\r\n` }],
    })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    const stream = await client.retr(1, { maxBytes: 1000 })
    await expect(buffer(stream)).rejects.toMatchObject({ code: Pop3ErrorCode.TooLarge, step: 'RETR' })
    await expect(client.noop()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
  })

  it('streams a message whose single line is far longer than any status line limit', async () => {
    const body = `Subject: long\r\n\r\n${'z'.repeat(200_000)}\r\n`
    const server = await serve({ mode: 'implicit', messages: [{ body }] })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    expect((await buffer(await client.retr(1))).toString()).toBe(body)
    await client.quit()
  })

  it('never has two commands in flight: a queued command is not sent while the previous one is unanswered', async () => {
    let statArrived!: () => void
    const arrived = new Promise<void>((resolve) => {
      statArrived = resolve
    })
    const server = await serve({
      mode: 'implicit',
      reply: (cmd) => {
        if (cmd.verb !== 'STAT') return undefined
        statArrived()
        return 'hang'
      },
    })
    const client = await open(server)
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    const results = Promise.allSettled([client.stat(), client.noop()])
    await arrived
    // A pipelining client would already have written NOOP; TCP delivers it before our FIN.
    client.close()
    await server.connectionsClosed()
    expect(server.commands.map((c) => c.verb)).toEqual(['CAPA', 'AUTH', 'STAT'])
    expect(
      (await results).map((r) => r.status === 'rejected' && (r.reason as { code: string }).code),
    ).toEqual([Pop3ErrorCode.Closed, Pop3ErrorCode.Closed])
  })
})

describe('Pop3Client.connect with a signal', () => {
  it('rejects an already-aborted signal before opening a socket', async () => {
    const server = await serve({ mode: 'implicit' })
    const gate = async () => {}
    const error = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate,
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED')).toBe(true)
    expect(error).toMatchObject({ details: { phase: 'start' } })
    expect(server.byteLog).toEqual([])
  })

  it('aborts a gate that is still deciding: the socket is destroyed at once and nothing more is sent', async () => {
    const server = await serve({ mode: 'starttls' })
    const ac = new AbortController()
    const gate = (_: Pop3GateContext) => {
      queueMicrotask(() => ac.abort())
      return new Promise<void>(() => {}) // never decides
    }
    const error = await Pop3Client.connect({ ...server.clientEndpoint(), gate, signal: ac.signal }).catch(
      (e: unknown) => e,
    )
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED')).toBe(true)
    expect(error).toMatchObject({ details: { phase: 'check' } })
    await server.connectionsClosed()
    expect(server.commands.at(-1)).toMatchObject({ phase: 'tls', verb: 'CAPA' })
    expect(server.sawCredentials()).toBe(false)
  })

  it('cancels a command in flight after connect, and keeps no listener once closed', async () => {
    const server = await serve({ mode: 'implicit', hang: ['NOOP'] })
    const ac = new AbortController()
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async () => {},
      signal: ac.signal,
    })
    const pending = client.noop().catch((e: unknown) => e)
    while (!server.commands.some((c) => c.verb === 'NOOP')) await new Promise((r) => setTimeout(r, 10))
    ac.abort()
    expect(await pending).toMatchObject({ code: 'MUASTS_ERR_ABORTED' })
    await expect(client.stat()).rejects.toMatchObject({ code: Pop3ErrorCode.Closed })
    await server.connectionsClosed()
    while (getEventListeners(ac.signal, 'abort').length > 0) await new Promise((r) => setTimeout(r, 10))
  })
})
