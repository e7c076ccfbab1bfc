// Issue #16 item 2: guardedSmtpTransport takes an AbortSignal for verify() and sendMail(). Aborting ends
// the connect at once in every phase (the server sees the client go and nothing more), rejects with
// MUASTS_ERR_ABORTED naming the phase, and dispatches no report: a cancel says nothing about the server.
import { getEventListeners } from 'node:events'
import type { LookupFunction } from 'node:net'
import { FakeSmtpServer } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type Action, HostileServer } from '../fuzz/hostile-server.js'
import { testPki } from '../support/certs.js'
import { until } from '../support/until.js'
import { ACCOUNT, guardedFor, MESSAGE, PASS, USER } from './harness.js'

const pki = testPki()
let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const FOREVER: Action = { do: 'read', lines: 1_000 }
const GREETING: Action = { do: 'send', bytes: '220 hostile ESMTP\r\n' }
const EHLO_STARTTLS: Action = { do: 'send', bytes: '250-hostile\r\n250 STARTTLS\r\n' }

const plain = (): string[] => server?.lines('plain') ?? []
const tls = (): string[] => server?.lines('tls') ?? []

type Case = {
  readonly phase: string
  readonly transport: 'starttls' | 'implicit-tls'
  readonly script: Action[]
  readonly reached: () => boolean
}

const CASES: readonly Case[] = [
  {
    phase: 'greeting',
    transport: 'starttls',
    script: [FOREVER],
    reached: () => (server?.connections.length ?? 0) > 0,
  },
  {
    phase: 'capabilities',
    transport: 'starttls',
    script: [GREETING, FOREVER],
    reached: () => plain().some((l) => l.startsWith('EHLO')),
  },
  {
    phase: 'starttls',
    transport: 'starttls',
    script: [GREETING, { do: 'read' }, EHLO_STARTTLS, FOREVER],
    reached: () => plain().includes('STARTTLS'),
  },
  {
    phase: 'handshake',
    transport: 'implicit-tls',
    script: [FOREVER],
    reached: () => (server?.connections[0]?.log.length ?? 0) > 0,
  },
  {
    // TLS is up and checked, then the server says nothing: no greeting, no EHLO reply.
    phase: 'greeting',
    transport: 'implicit-tls',
    script: [{ do: 'tls' }, FOREVER],
    reached: () => server?.connections[0]?.tls === true,
  },
  {
    phase: 'login',
    transport: 'implicit-tls',
    script: [
      { do: 'tls' },
      { do: 'send', bytes: '220 ok\r\n' },
      { do: 'read' },
      { do: 'send', bytes: '250-hostile\r\n250 AUTH PLAIN\r\n' },
      FOREVER,
    ],
    reached: () => tls().some((l) => l.startsWith('AUTH')),
  },
]

describe('guardedSmtpTransport() with an AbortSignal', () => {
  it.each(CASES)('aborting verify() during $phase ($transport) rejects with ABORTED at once', async (c) => {
    server = await HostileServer.start(c.script, pki.good)
    const ac = new AbortController()
    const g = await guardedFor(server, { transport: c.transport }, { signal: ac.signal, timeoutMs: 20_000 })
    const attempt = g.mailer.verify().then(
      () => new Error('verify resolved'),
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
    expect((error as Error).message).toContain(`SMTP connect cancelled by the app during ${c.phase}`)
    await until(() => server?.connections[0]?.ended === 'client closed', 'the client to close')
    expect(server.bytes().length).toBe(sentBefore)
    expect(g.reports).toEqual([])
    expect(await g.current()).toEqual(g.commitment)
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
  })

  it('aborting sendMail() during the TCP connect (a lookup that never answers) rejects in phase tcp', async () => {
    server = await HostileServer.start([FOREVER], pki.good)
    let asked = false
    const lookup = (() => {
      asked = true
    }) as unknown as LookupFunction
    const ac = new AbortController()
    const g = await guardedFor(
      server,
      { transport: 'starttls' },
      { signal: ac.signal, trust: { ca: pki.caCert, lookup } },
    )
    const attempt = g.mailer.sendMail(MESSAGE).catch((e: unknown) => e)
    await until(() => asked, 'the lookup')
    ac.abort()
    expect(await attempt).toMatchObject({ code: 'MUASTS_ERR_ABORTED', details: { phase: 'tcp' } })
    expect(server.connections).toHaveLength(0)
    expect(g.reports).toEqual([])
  })

  it('an already-aborted signal rejects verify() and sendMail() before any store read or socket', async () => {
    server = await HostileServer.start([FOREVER], pki.good)
    const ac = new AbortController()
    ac.abort()
    const g = await guardedFor(server, { transport: 'implicit-tls' }, { signal: ac.signal })
    let reads = 0
    const get = g.store.get.bind(g.store)
    g.store.get = (...args) => {
      reads++
      return get(...args)
    }
    for (const op of [() => g.mailer.verify(), () => g.mailer.sendMail(MESSAGE)])
      await expect(op()).rejects.toMatchObject({ code: 'MUASTS_ERR_ABORTED', details: { phase: 'start' } })
    await new Promise((r) => setTimeout(r, 50))
    expect(reads).toBe(0)
    expect(server.connections).toHaveLength(0)
    expect(g.reports).toEqual([])
  })

  it('keeps no abort listener after 100 sends on one signal, and never warns', async () => {
    const fake = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.good,
      credentials: { user: USER, pass: PASS },
    })
    const warnings: Error[] = []
    const onWarning = (w: Error): void => {
      warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      const ac = new AbortController()
      const g = await guardedFor(fake, { transport: 'implicit-tls' }, { signal: ac.signal })
      for (let i = 0; i < 100; i++) await g.mailer.sendMail(MESSAGE)
      expect(fake.delivered).toHaveLength(100)
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
      await new Promise((r) => setImmediate(r))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
      expect(ACCOUNT).toBe(g.commitment.account)
    } finally {
      process.off('warning', onWarning)
      await fake.close()
    }
  })
})
