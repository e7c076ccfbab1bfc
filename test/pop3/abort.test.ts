// Cancelling connectPop3 (issue #16 item 2): a wizard's Cancel stops a hanging connect in any phase.
// The fake stalls in one phase; aborting there rejects at once with MUASTS_ERR_ABORTED naming the phase,
// the server sees its socket closed, no report blames the server, and the password never reaches the
// wire. An already-aborted signal rejects before the store read and before any socket, and the abort
// listener never outlives the connect (or, after login, the connection).
import { getEventListeners } from 'node:events'
import type { LookupFunction } from 'node:net'
import { createServer, type Server } from 'node:net'
import { isSdkError } from '@mua-sts/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../fakes/pop3-server.js'
import { until } from '../support/until.js'
import { ACCOUNT, type Committed, commit, pki } from './harness.js'

let server: FakePop3Server | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await server?.close()
  server = undefined
})

async function start(script: FakePop3Script, transport: 'implicit-tls' | 'starttls'): Promise<Committed> {
  server = await startFakePop3({ leaf: pki.good, ...script })
  return commit(server.port, { transport })
}

/** Resolves once `ready()` holds (polled), failing the test after 5 s. */
const saw = (verb: string) => () => server?.commands.some((c) => c.verb === verb) === true
/** True from `ms` after its first call (the table below is built before any test runs). */
const after = (ms: number) => {
  let end: number | undefined
  return () => {
    end ??= Date.now() + ms
    return Date.now() >= end
  }
}

/** Aborts once `stalled()` holds; returns the rejection and how long after abort() it came. */
async function abortWhen(setup: Committed, stalled: () => boolean, extra = {}) {
  const ac = new AbortController()
  const attempt = setup.connect({ signal: ac.signal, timeoutMs: 20_000, ...extra }).then(
    (client) => {
      client.close()
      return new Error('connectPop3 resolved, expected an abort')
    },
    (e: unknown) => e,
  )
  await until(stalled, 'the stalled phase')
  const t0 = Date.now()
  ac.abort(new Error('user pressed Cancel'))
  const error = await attempt
  return { error, ms: Date.now() - t0, signal: ac.signal }
}

async function expectClosedPromptly(s: FakePop3Server): Promise<void> {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('socket still open')), 2000))
  await Promise.race([s.connectionsClosed(), timeout])
}

describe.each([
  // [transport, fake script, what shows the fake is stalled there, the phase the error names]
  ['implicit-tls', { mode: 'implicit', hang: 'handshake' }, after(200), 'handshake'],
  ['implicit-tls', { mode: 'implicit', hang: 'greeting' }, after(300), 'greeting'],
  ['implicit-tls', { mode: 'implicit', hang: ['CAPA'] }, saw('CAPA'), 'identify'],
  ['starttls', { mode: 'starttls', hang: 'greeting' }, after(200), 'greeting'],
  ['starttls', { mode: 'starttls', hang: ['CAPA'] }, saw('CAPA'), 'capabilities'],
  ['starttls', { mode: 'starttls', hang: ['STLS'] }, saw('STLS'), 'starttls'],
  ['starttls', { mode: 'starttls', hang: 'handshake' }, saw('STLS'), 'handshake'],
  ['implicit-tls', { mode: 'implicit', hang: ['USER'] }, saw('USER'), 'login'],
  ['starttls', { mode: 'starttls', hang: ['USER'] }, saw('USER'), 'login'],
] as const)('aborting a %s connect stalled by %o', (transport, script, stalled, phase) => {
  it(`rejects at once with MUASTS_ERR_ABORTED (phase ${phase}), closes the socket and sends no password`, async () => {
    const setup = await start({ ...script, capaAfterTls: ['USER'] }, transport)
    const { error, ms, signal } = await abortWhen(setup, stalled, {
      auth: { user: FAKE_USER, pass: FAKE_PASS, mechanism: 'USER' },
    })
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED'), String(error)).toBe(true)
    expect(error).toMatchObject({ details: { phase } })
    expect((error as Error).message).toMatch(/^POP3 connect cancelled by the app during /)
    expect(ms).toBeLessThan(500) // no backstop wait: an abort is not a stall to be blamed
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    await expectClosedPromptly(server!)
    expect(server!.bytes().toString('latin1')).not.toContain(FAKE_PASS)
    expect(server!.commands.some((c) => c.verb === 'PASS' || c.verb === 'AUTH')).toBe(false)
    // The app's decision, not evidence: no report, the commitment unchanged.
    expect(setup.reports).toEqual([])
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  })
})

describe('aborting connectPop3 outside the POP3 phases', () => {
  it('rejects during TCP connect (a lookup that never answers), destroying the pending socket', async () => {
    const setup = await start({ mode: 'implicit' }, 'implicit-tls')
    const neverAnswers: LookupFunction = () => {}
    const { error, ms } = await abortWhen(setup, after(100), {
      trust: { ca: pki.caCert, lookup: neverAnswers },
    })
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED'), String(error)).toBe(true)
    expect(error).toMatchObject({ details: { phase: 'tcp' } })
    expect(ms).toBeLessThan(500)
    expect(server!.byteLog).toEqual([])
    expect(setup.reports).toEqual([])
  })

  it('rejects an already-aborted signal before reading the store or opening a socket', async () => {
    let accepted = 0
    const listener: Server = createServer((s) => {
      accepted++
      s.destroy()
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    try {
      const setup = await commit((listener.address() as { port: number }).port, { transport: 'implicit-tls' })
      const read = vi.spyOn(setup.store, 'get')
      const error = await setup.connect({ signal: AbortSignal.abort() }).catch((e: unknown) => e)
      expect(isSdkError(error, 'MUASTS_ERR_ABORTED'), String(error)).toBe(true)
      expect(error).toMatchObject({ details: { phase: 'start' } })
      expect(read).not.toHaveBeenCalled()
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(accepted).toBe(0)
    } finally {
      await new Promise((resolve) => listener.close(resolve))
    }
  })

  it('rejects a signal that is not an AbortSignal as an invalid option', async () => {
    const setup = await start({ mode: 'implicit' }, 'implicit-tls')
    const error = await setup
      .connect({ signal: { aborted: false } as unknown as AbortSignal })
      .catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect((error as Error).message).toContain('signal')
  })
})

describe('aborting after login', () => {
  it('rejects the command in flight with MUASTS_ERR_ABORTED, closes without QUIT, and later calls are CLOSED', async () => {
    const messages = [{ body: 'Subject: one\r\n\r\nhello\r\n' }, { body: 'Subject: two\r\n\r\nbye\r\n' }]
    const setup = await start({ mode: 'implicit', hang: ['STAT'], messages }, 'implicit-tls')
    const ac = new AbortController()
    const client = await setup.connect({ signal: ac.signal })
    await client.dele(1)
    const stat = client.stat().catch((e: unknown) => e)
    await until(saw('STAT'), 'the STAT command')
    ac.abort()
    const error = await stat
    expect(isSdkError(error, 'MUASTS_ERR_ABORTED'), String(error)).toBe(true)
    expect((error as Error).message).toContain('without QUIT, so no deletion was applied')
    await expect(client.noop()).rejects.toMatchObject({ code: 'MUASTS_ERR_POP3_CLOSED' })
    await expectClosedPromptly(server!)
    expect(server!.commands.some((c) => c.verb === 'QUIT')).toBe(false)
    expect(server!.mailbox).toHaveLength(2) // DELE 1 was never applied
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
  })

  it('keeps no abort listener once the connection has closed, so one signal can serve many sessions', async () => {
    const setup = await start({ mode: 'starttls' }, 'starttls')
    const ac = new AbortController()
    for (let i = 0; i < 3; i++) {
      const client = await setup.connect({ signal: ac.signal })
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1) // the live session's own
      await client.quit()
      await server!.connectionsClosed()
      await until(
        () => getEventListeners(ac.signal, 'abort').length === 0,
        'the abort listener to be removed',
      )
    }
  })
})
