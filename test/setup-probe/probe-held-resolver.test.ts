// probe() against a resolver that holds its answer: an attacker on the DNS path can delay an answer
// forever, or release it after the probe gave up. The held candidate must end at the probe deadline as
// a timeout (never as "host not found", which would be the attacker's claim), must not hold the other
// candidates or a concurrency slot beyond that deadline, and must yield to the caller's abort at once.
// An answer that arrives after the probe gave up must not open a connection: the tarpit behind the
// held name counts what the server side saw.
import { connect, type LookupFunction } from 'node:net'
import { isSdkError } from '@mua-sts/core'
import { probe } from '@mua-sts/setup'
import { startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { candidate, loopbackLookup, OpenMeter, startTarpit } from './fakes.js'

const pki = testPki()
const HELD = 'held.example.test'
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

/** Answers every name with 127.0.0.1 at once, except HELD, whose answers wait for `release()`. */
function heldResolver() {
  const pending: Array<() => void> = []
  let asked = (): void => {}
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (hostname !== HELD) {
      loopbackLookup(hostname, options, callback)
      return
    }
    pending.push(() => loopbackLookup(hostname, options, callback))
    asked()
  }
  return {
    lookup,
    /** Resolves once the probe has asked for HELD. */
    whenAsked: () =>
      new Promise<void>((resolve) => {
        if (pending.length > 0) resolve()
        else asked = resolve
      }),
    /** Delivers every held answer, late. */
    release: () => {
      for (const answer of pending.splice(0)) answer()
    },
  }
}

/** A tarpit for the held name, so a connection the late answer opened would be counted. */
async function heldTarget() {
  const meter = new OpenMeter()
  const pit = await startTarpit(meter)
  cleanup.push(() => pit.close())
  return { meter, port: pit.port }
}

/**
 * Proves the late answer opened nothing: one control connection to the same tarpit must be the only
 * one it ever saw. The late answer was delivered first, so its connection would have been counted too.
 */
async function expectOnlyControlConnection(target: { meter: OpenMeter; port: number }): Promise<void> {
  const control = connect({ host: '127.0.0.1', port: target.port })
  control.on('error', () => {})
  await target.meter.whenOpen(1)
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(target.meter.total).toBe(1)
  control.destroy()
}

async function goodImap() {
  const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  cleanup.push(() => server.close())
  return server
}

describe('probe: a resolver that holds its answer', () => {
  it('ends the held candidate at the deadline as a timeout, without holding the others', async () => {
    const server = await goodImap()
    const target = await heldTarget()
    const dns = heldResolver()
    const done: string[] = []
    const results = await probe(
      [candidate({ port: target.port, host: HELD }), candidate({ port: server.port, priority: 1 })],
      {
        trust: { ca: pki.caCert, lookup: dns.lookup },
        earlyStop: false,
        timeoutMs: 300,
        onProgress: (e) => e.type === 'done' && done.push(e.candidate.host),
      },
    )
    expect(results.map((r) => r.failure?.code ?? r.status)).toEqual(['timeout', 'compliant'])
    // The resolvable candidate finished while the held one was still waiting for its answer.
    expect(done).toEqual(['mail.example.test', HELD])
    expect(target.meter.total).toBe(0)
    dns.release()
    await expectOnlyControlConnection(target)
  })

  it('frees its concurrency slot at the deadline, so the next candidate still runs', async () => {
    const server = await goodImap()
    const target = await heldTarget()
    const dns = heldResolver()
    const results = await probe(
      [candidate({ port: target.port, host: HELD }), candidate({ port: server.port, priority: 1 })],
      { trust: { ca: pki.caCert, lookup: dns.lookup }, concurrency: 1, earlyStop: false, timeoutMs: 300 },
    )
    expect(results.map((r) => r.failure?.code ?? r.status)).toEqual(['timeout', 'compliant'])
    dns.release()
    await expectOnlyControlConnection(target)
  })

  it('rejects with MUASTS_ERR_ABORTED when the caller aborts while the answer is held', async () => {
    const target = await heldTarget()
    const dns = heldResolver()
    const controller = new AbortController()
    const running = probe([candidate({ port: target.port, host: HELD })], {
      trust: { ca: pki.caCert, lookup: dns.lookup },
      timeoutMs: 600_000,
      signal: controller.signal,
    })
    await dns.whenAsked()
    controller.abort()
    const error = await running.catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED'), String(error)).toBe(true)
    dns.release()
    await expectOnlyControlConnection(target)
  })
})
