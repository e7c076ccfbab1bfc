// Issue #16 item 2: connectImap takes an AbortSignal. Aborting ends the connect at once in every phase
// (the socket is closed, the server sees the client go), rejects with MUASTS_ERR_ABORTED naming the
// phase, dispatches no report (cancelling says nothing about the server) and sends nothing after it.
import { getEventListeners } from 'node:events'
import type { LookupFunction } from 'node:net'
import { FAKE_PASS, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type Action, HostileServer } from '../fuzz/hostile-server.js'
import { until } from '../support/until.js'
import { commit, pki } from './harness.js'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const FOREVER: Action = { do: 'read', lines: 1_000 }
const GREETING: Action = { do: 'send', bytes: '* OK hostile IMAP ready\r\n' }
const CAPS_STARTTLS: Action = { do: 'send', bytes: '* CAPABILITY IMAP4rev1 STARTTLS\r\n$TAG OK done\r\n' }

const connected = (): boolean => (server?.connections.length ?? 0) > 0
const plainLines = (): string[] => server?.lines('plain') ?? []
const tlsLines = (): string[] => server?.lines('tls') ?? []

type Case = {
  readonly phase: string
  readonly transport: 'starttls' | 'implicit-tls'
  readonly script: Action[]
  /** True once the connect is surely in `phase`. */
  readonly reached: () => boolean
}

const CASES: readonly Case[] = [
  { phase: 'greeting', transport: 'starttls', script: [FOREVER], reached: connected },
  {
    phase: 'capabilities',
    transport: 'starttls',
    script: [GREETING, FOREVER],
    reached: () => plainLines().some((l) => / CAPABILITY$/i.test(l)),
  },
  {
    phase: 'starttls',
    transport: 'starttls',
    script: [GREETING, { do: 'read' }, CAPS_STARTTLS, FOREVER],
    reached: () => plainLines().some((l) => / STARTTLS$/i.test(l)),
  },
  {
    phase: 'handshake',
    transport: 'implicit-tls',
    script: [FOREVER], // reads the ClientHello and never answers it
    reached: () => (server?.connections[0]?.log.length ?? 0) > 0,
  },
  {
    // The wizard's hanging login: TLS is up and checked, then the server says nothing at all.
    phase: 'identify',
    transport: 'implicit-tls',
    script: [{ do: 'tls' }, FOREVER],
    reached: () => server?.connections[0]?.tls === true,
  },
  {
    phase: 'login',
    transport: 'implicit-tls',
    script: [{ do: 'tls' }, { do: 'send', bytes: '* OK [CAPABILITY IMAP4rev1] hi\r\n' }, FOREVER],
    reached: () => tlsLines().some((l) => / LOGIN /i.test(l)),
  },
]

describe('connectImap() with an AbortSignal', () => {
  it.each(CASES)('aborting during $phase closes the socket at once and rejects with ABORTED', async (c) => {
    server = await HostileServer.start(c.script, pki.good)
    const setup = await commit(server.port, { transport: c.transport })
    const ac = new AbortController()
    const attempt = setup.connect({ signal: ac.signal, timeoutMs: 20_000 }).then(
      (client) => {
        client.close()
        return new Error('connectImap resolved')
      },
      (e: unknown) => e,
    )
    await until(c.reached, c.phase)
    await new Promise((r) => setTimeout(r, 50))
    const sentBefore = server.bytes().length
    const abortedAt = Date.now()
    ac.abort(new Error('Cancel'))
    const error = await attempt
    expect(Date.now() - abortedAt).toBeLessThan(1_000)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_ABORTED', details: { phase: c.phase } })
    expect((error as Error).message).toContain(`IMAP connect cancelled by the app during ${c.phase}`)
    // The server sees the client go, and not one more byte after the abort.
    await until(() => server?.connections[0]?.ended === 'client closed', 'the client to close')
    expect(server.bytes().length).toBe(sentBefore)
    expect(setup.reports).toEqual([])
    expect(await setup.store.get(setup.commitment.account, 'imap')).toEqual(setup.commitment)
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
    if (c.phase !== 'login') expect(server.bytes().includes(Buffer.from(FAKE_PASS))).toBe(false)
  })

  it('aborting during the TCP connect (a lookup that never answers) rejects in phase tcp', async () => {
    server = await HostileServer.start([FOREVER], pki.good)
    let asked = false
    const lookup = (() => {
      asked = true
    }) as unknown as LookupFunction
    const setup = await commit(server.port, { transport: 'starttls' })
    const ac = new AbortController()
    const attempt = setup
      .connect({ signal: ac.signal, trust: { ca: pki.caCert, lookup } })
      .catch((e: unknown) => e)
    await until(() => asked, 'the lookup')
    ac.abort()
    expect(await attempt).toMatchObject({ code: 'MUASTS_ERR_ABORTED', details: { phase: 'tcp' } })
    expect(server.connections).toHaveLength(0)
    expect(setup.reports).toEqual([])
  })

  it('an already-aborted signal rejects before the store is read or any socket is opened', async () => {
    server = await HostileServer.start([FOREVER], pki.good)
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    let reads = 0
    const get = setup.store.get.bind(setup.store)
    setup.store.get = (...args) => {
      reads++
      return get(...args)
    }
    const ac = new AbortController()
    ac.abort()
    await expect(setup.connect({ signal: ac.signal })).rejects.toMatchObject({
      code: 'MUASTS_ERR_ABORTED',
      details: { phase: 'start' },
    })
    await new Promise((r) => setTimeout(r, 50))
    expect(reads).toBe(0)
    expect(server.connections).toHaveLength(0)
    expect(setup.reports).toEqual([])
  })

  it('keeps no abort listener after 100 connects on one signal, and never warns', async () => {
    const fake = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    const warnings: Error[] = []
    const onWarning = (w: Error): void => {
      warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      const setup = await commit(fake.port, { transport: 'implicit-tls' })
      const ac = new AbortController()
      for (let i = 0; i < 100; i++) {
        const client = await setup.connect({ signal: ac.signal })
        client.close()
      }
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
      // A connected client is no longer the signal's: aborting now changes nothing.
      ac.abort()
      await new Promise((r) => setImmediate(r))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
      await fake.close()
    }
  })
})
