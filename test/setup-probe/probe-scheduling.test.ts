// probe() as a scheduler: bounded concurrency as the servers see it, cancellation that closes every
// socket, early stop once nothing pending can win, deadlines, and the progress event contract.
import { isSdkError } from '@mua-sts/core'
import { type Candidate, type ProbeEvent, probe } from '@mua-sts/setup'
import { startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { candidate, loopbackLookup, OpenMeter, startTarpit, type Tarpit } from './fakes.js'

const pki = testPki()
const base = { trust: { ca: pki.caCert }, lookup: loopbackLookup }
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

async function tarpits(meter: OpenMeter, n: number): Promise<Tarpit[]> {
  const list = await Promise.all(Array.from({ length: n }, () => startTarpit(meter)))
  for (const t of list) cleanup.push(() => t.close())
  return list
}

async function goodImap(tls?: { maxVersion: 'TLSv1.2' }) {
  const server = await startFakeImap({
    mode: 'implicit',
    leaf: pki.good,
    ...(tls === undefined ? {} : { tls }),
  })
  cleanup.push(() => server.close())
  return server
}

const statuses = (results: readonly { status: string; failure?: { code: string } }[]) =>
  results.map((r) => (r.failure === undefined ? r.status : `${r.status}:${r.failure.code}`))

describe('probe: concurrency', () => {
  it('never has more connections open at the servers than the concurrency bound', async () => {
    const meter = new OpenMeter()
    const pits = await tarpits(meter, 9)
    const started: number[] = []
    const running = probe(
      pits.map((t, i) => candidate({ port: t.port, priority: i })),
      {
        ...base,
        concurrency: 3,
        earlyStop: false,
        timeoutMs: 600_000,
        onProgress: (e) => e.type === 'started' && started.push(e.index),
      },
    )
    for (let round = 1; round <= 3; round++) {
      await meter.whenOpen(3)
      expect(meter.open).toBe(3)
      expect(started).toHaveLength(3 * round)
      for (const t of pits) t.releaseAll()
    }
    const results = await running
    // The server hung up mid-handshake: for implicit TLS that is a failed handshake, never compliant.
    expect(statuses(results)).toEqual(Array(9).fill('refused:tls_handshake_failed'))
    expect(meter.max).toBe(3)
    expect(meter.total).toBe(9)
  })
})

describe('probe: cancellation', () => {
  it('closes every socket and rejects with MUASTS_ERR_ABORTED when the caller aborts', async () => {
    const meter = new OpenMeter()
    const pits = await tarpits(meter, 4)
    const controller = new AbortController()
    const events: ProbeEvent[] = []
    const running = probe(
      pits.map((t, i) => candidate({ port: t.port, priority: i })),
      { ...base, signal: controller.signal, timeoutMs: 600_000, onProgress: (e) => events.push(e) },
    )
    await meter.whenOpen(4)
    controller.abort()
    const error = await running.catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED')).toBe(true)
    await meter.whenAllClosed(4)
    expect(events.filter((e) => e.type === 'failed').map((e) => e.type === 'failed' && e.code)).toEqual(
      Array(4).fill('aborted'),
    )
    expect(events.filter((e) => e.type === 'done')).toHaveLength(4)
  })

  it('opens no connection at all when the signal is already aborted', async () => {
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const error = await probe([candidate({ port: pit?.port ?? 1 })], {
      ...base,
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED')).toBe(true)
    expect(meter.total).toBe(0)
  })
})

describe('probe: early stop', () => {
  it('cancels the rest of a service once its best possible endpoint is compliant on TLS 1.3', async () => {
    const server = await goodImap()
    const meter = new OpenMeter()
    const [slowImplicit, slowStarttls] = await tarpits(meter, 2)
    const list: Candidate[] = [
      candidate({ port: server.port, priority: 0 }),
      candidate({ port: slowImplicit?.port ?? 1, priority: 1 }),
      candidate({ port: slowStarttls?.port ?? 1, priority: 2, transport: 'starttls' }),
    ]
    const started: number[] = []
    const results = await probe(list, {
      ...base,
      concurrency: 2,
      timeoutMs: 600_000,
      onProgress: (e) => e.type === 'started' && started.push(e.index),
    })
    expect(statuses(results)).toEqual(['compliant', 'cancelled:superseded', 'cancelled:superseded'])
    expect(started).toEqual([0, 1])
    await meter.whenAllClosed(1)
  })

  it('keeps probing while a pending candidate could still win (a STARTTLS result cannot beat implicit TLS)', async () => {
    const starttls = await startFakeImap({ mode: 'starttls', leaf: pki.good })
    cleanup.push(() => starttls.close())
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const list = [
      candidate({ port: starttls.port, priority: 0, transport: 'starttls' }),
      candidate({ port: pit?.port ?? 1, priority: 1 }),
    ]
    const results = await probe(list, { ...base, timeoutMs: 300 })
    expect(statuses(results)).toEqual(['compliant', 'failed:timeout'])
  })

  it('keeps probing while a pending candidate could still negotiate TLS 1.3 where the winner has 1.2', async () => {
    const server = await goodImap({ maxVersion: 'TLSv1.2' })
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const list = [
      candidate({ port: server.port, priority: 0 }),
      candidate({ port: pit?.port ?? 1, priority: 1 }),
    ]
    const results = await probe(list, { ...base, timeoutMs: 300 })
    expect(statuses(results)).toEqual(['compliant', 'failed:timeout'])
    expect(results[0]?.observation?.tls?.version).toBe('TLSv1.2')
  })

  it('probes everything when earlyStop is off', async () => {
    const server = await goodImap()
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const list = [
      candidate({ port: server.port, priority: 0 }),
      candidate({ port: pit?.port ?? 1, priority: 1 }),
    ]
    const results = await probe(list, { ...base, timeoutMs: 300, earlyStop: false })
    expect(statuses(results)).toEqual(['compliant', 'failed:timeout'])
  })

  it('does not let one service stop another', async () => {
    const server = await goodImap()
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const list = [
      candidate({ port: server.port, priority: 0 }),
      candidate({ service: 'pop3', port: pit?.port ?? 1, priority: 0 }),
    ]
    const results = await probe(list, { ...base, timeoutMs: 300 })
    expect(statuses(results)).toEqual(['compliant', 'failed:timeout'])
  })
})

describe('probe: outcomes and events', () => {
  it('reports started, tls-ok and done for a compliant probe, in that order', async () => {
    const server = await goodImap()
    const events: string[] = []
    await probe([candidate({ port: server.port })], {
      ...base,
      onProgress: (e) => events.push(e.type === 'tls-ok' ? `tls-ok:${e.tlsVersion}` : e.type),
    })
    expect(events).toEqual(['started', 'tls-ok:TLSv1.3', 'done'])
  })

  it('reports started, failed and done for a refused probe, and survives a listener that throws', async () => {
    const server = await startFakeImap({ mode: 'implicit', leaf: pki.wrongHost })
    cleanup.push(() => server.close())
    const events: string[] = []
    const results = await probe([candidate({ port: server.port })], {
      ...base,
      onProgress: (e) => {
        events.push(e.type === 'failed' ? `failed:${e.code}` : e.type)
        throw new Error('listener bug')
      },
    })
    expect(events).toEqual(['started', 'failed:certificate_host_mismatch', 'done'])
    expect(results[0]?.status).toBe('refused')
  })

  it('ends a silent server at the deadline with failed:timeout', async () => {
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const results = await probe([candidate({ port: pit?.port ?? 1 })], { ...base, timeoutMs: 200 })
    expect(statuses(results)).toEqual(['failed:timeout'])
    await meter.whenAllClosed(1)
  })

  it('tells a closed port from a name that does not resolve', async () => {
    const meter = new OpenMeter()
    const [pit] = await tarpits(meter, 1)
    const port = pit?.port ?? 1
    await pit?.close()
    const noSuchHost: typeof loopbackLookup = (hostname, _options, callback) =>
      (callback as (e: Error) => void)(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
      )
    const [refused] = await probe([candidate({ port })], base)
    const [unknown] = await probe([candidate({ port })], { ...base, lookup: noSuchHost })
    expect(refused?.failure?.code).toBe('connect_refused')
    expect(unknown?.failure?.code).toBe('host_not_found')
  })

  it('validates options and candidates before opening anything', async () => {
    const bad = [
      () => probe([], { concurrency: 0 }),
      () => probe([], { timeoutMs: 'soon' } as never),
      () => probe([{ ...candidate({ port: 993 }), host: 'Bad Host' }]),
      () => probe([{ ...candidate({ port: 993 }), transport: 'plaintext' } as never]),
    ]
    for (const call of bad) {
      const error = await call().catch((e: unknown) => e)
      expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    }
  })
})
