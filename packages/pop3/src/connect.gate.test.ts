// The policy gate and the tripwire behind it. Byte-log assertions, plus contrast runs of a deliberately
// unguarded client (test/pop3/bare-client.ts) against the same server, and the tripwire on its own: a
// TLS socket no gate ever passed, handed straight to login.
import { once } from 'node:events'
import type { TLSSocket } from 'node:tls'
import { hasPassed, markPassed } from '@mua-sts/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPA_AFTER_TLS,
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Server,
  startFakePop3,
} from '../../../test/fakes/pop3-server.js'
import { bareConnect } from '../../../test/pop3/bare-client.js'
import { authenticate } from './auth.js'
import { assertGatePassed, establishSession, type Session } from './connect.js'
import { isPop3Error, Pop3Client, Pop3ErrorCode } from './index.js'
import {
  nodeTlsOptions,
  Pop3ConnectOptionsSchema,
  parseOptions,
  type SessionConfig,
  servernameFor,
} from './options.js'
import { Wire } from './wire.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(mode: 'implicit' | 'starttls', reply?: Parameters<typeof startFakePop3>[0]['reply']) {
  const server = await startFakePop3({ mode, ...(reply === undefined ? {} : { reply }) })
  servers.push(server)
  return server
}

class PolicyRefusal extends Error {
  readonly code = 'MUASTS_ERR_COMMITMENT_VIOLATED'
}

describe.each(['implicit', 'starttls'] as const)('gate refusal over %s', (mode) => {
  it('rejects with exactly the gate error and sends nothing after the post-TLS CAPA', async () => {
    const server = await serve(mode)
    const refusal = new PolicyRefusal('tls12 latch not met')
    const error = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async () => {
        throw refusal
      },
    }).catch((e: unknown) => e)
    expect(error).toBe(refusal)
    await server.connectionsClosed()
    expect(server.commands.at(-1)).toMatchObject({ phase: 'tls', verb: 'CAPA' })
    expect(server.commands.some((c) => c.verb === 'QUIT')).toBe(false)
    expect(server.sawCredentials()).toBe(false)
  })

  it('treats a gate that throws synchronously as a refusal', async () => {
    const server = await serve(mode)
    const refusal = new PolicyRefusal('sync')
    const gate = (() => {
      throw refusal
    }) as unknown as () => Promise<void>
    await expect(Pop3Client.connect({ ...server.clientEndpoint(), gate })).rejects.toBe(refusal)
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })

  it('contrast: a client without a gate sends the credentials to the same server', async () => {
    const server = await serve(mode)
    const bare = await bareConnect(server)
    expect(bare.tls).toBe(true)
    expect(await bare.login(FAKE_USER, FAKE_PASS)).toMatch(/^\+OK/)
    bare.close()
    expect(server.sawCredentials()).toBe(true)
  })
})

describe('gate edge cases', () => {
  it('times out a gate that never settles, without sending credentials', async () => {
    const server = await serve('implicit')
    const error = await Pop3Client.connect({
      ...server.clientEndpoint(),
      timeouts: { gateMs: 200 },
      gate: () => new Promise<void>(() => {}),
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.Timeout, step: 'gate', anomaly: undefined })
    expect((error as Error).message).toBe('POP3 policy gate did not settle within 200 ms')
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })

  it('leaves no gate timer behind once the gate settled (it would hold the process open for gateMs)', async () => {
    const server = await serve('implicit')
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      timeouts: { gateMs: 600_000 },
      gate: async () => {},
    })
    await client.quit()
    await server.connectionsClosed()
    expect(timers()).toBe(before)
  })

  it('refuses a gate that resolved without recording the socket, before any credential', async () => {
    const server = await serve('implicit')
    const o = parseOptions(
      Pop3ConnectOptionsSchema,
      { ...server.clientEndpoint(), gate: async () => {} },
      'test',
    )
    // What a future front door that forgot markPassed() would build: the gate allows, nothing records it.
    const config: SessionConfig = {
      transport: o.transport,
      dial: { host: o.host, port: o.port },
      tls: nodeTlsOptions(o, servernameFor(o)),
      gate: async () => {},
      timeouts: o.timeouts,
      limits: o.limits,
    }
    const error = await establishSession(config).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.GuardBypassed })
    expect((error as Error).message).toBe(
      'Refusing to authenticate: POP3 connect reached auth on an unchecked socket.',
    )
    await server.connectionsClosed()
    expect(server.commands.at(-1)).toMatchObject({ phase: 'tls', verb: 'CAPA' })
    expect(server.sawCredentials()).toBe(false)
  })

  it('fails with PROTOCOL when the server speaks out of turn while the gate runs', async () => {
    const capa = `+OK\r\n${DEFAULT_CAPA_AFTER_TLS.map((c) => `${c}\r\n`).join('')}.\r\n`
    const server = await serve('implicit', (cmd) =>
      cmd.verb === 'CAPA' ? [capa, '+OK surprise\r\n'] : undefined,
    )
    const error = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        if (ctx.socket.readableLength === 0) await once(ctx.socket, 'data')
      },
    }).catch((e: unknown) => e)
    expect(isPop3Error(error, Pop3ErrorCode.Protocol)).toBe(true)
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })
})

describe('tripwire', () => {
  it('refuses to send credentials on a TLS connection whose gate never ran', async () => {
    const server = await serve('implicit')
    const socket = (await bareConnect(server)).release() as TLSSocket
    const session: Session = {
      socket,
      wire: new Wire(socket, false),
      options: { timeouts: { commandMs: 1000 } } as SessionConfig,
      capsAfterTls: ['SASL PLAIN'],
    }
    for (const credentials of [
      { user: FAKE_USER, pass: FAKE_PASS },
      { user: FAKE_USER, pass: FAKE_PASS, mechanism: 'USER' as const },
      { user: FAKE_USER, accessToken: 'token' },
    ]) {
      await expect(authenticate(session, credentials)).rejects.toMatchObject({
        code: Pop3ErrorCode.GuardBypassed,
      })
    }
    session.wire.destroy()
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })

  it('contrast: without the tripwire, the ungated connection sends the password', async () => {
    const server = await serve('implicit')
    const bare = await bareConnect(server)
    await bare.login(FAKE_USER, FAKE_PASS)
    bare.close()
    expect(server.sawCredentials()).toBe(true)
  })

  it('records the socket in the SDK-wide tripwire set only once the gate resolved', async () => {
    const server = await serve('implicit')
    const sockets: TLSSocket[] = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        sockets.push(ctx.socket)
        expect(hasPassed(ctx.socket)).toBe(false)
      },
    })
    expect(sockets.map((s) => hasPassed(s))).toEqual([true])
    await client.quit()

    const refused: TLSSocket[] = []
    await Pop3Client.connect({
      ...server.clientEndpoint(),
      gate: async (ctx) => {
        refused.push(ctx.socket)
        throw new PolicyRefusal('no')
      },
    }).catch(() => {})
    expect(refused.map((s) => hasPassed(s))).toEqual([false])
  })

  it('accepts only TLS sockets that passed the gate', async () => {
    const { Socket } = await import('node:net')
    const { TLSSocket } = await import('node:tls')
    for (const candidate of [undefined, {}, new Socket(), new TLSSocket(new Socket())]) {
      expect(() => assertGatePassed(candidate, 'test')).toThrow(
        expect.objectContaining({ code: Pop3ErrorCode.GuardBypassed }),
      )
    }
  })

  it('refuses a socket marked as passed that is not an open TLS session (cleartext, or closed)', async () => {
    // The SDK-wide mark alone is not enough: a bug that marks the cleartext socket (the STLS half) or a
    // socket reused after close must still never carry a credential.
    const { Socket } = await import('node:net')
    const plain = new Socket()
    markPassed(plain)
    expect(() => assertGatePassed(plain, 'test')).toThrow(/not an open TLS session/)
    const server = await serve('implicit')
    const tls = (await bareConnect(server)).release() as TLSSocket
    markPassed(tls)
    expect(() => assertGatePassed(tls, 'test')).not.toThrow()
    tls.destroy()
    expect(() => assertGatePassed(tls, 'test')).toThrow(/not an open TLS session/)
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })
})
