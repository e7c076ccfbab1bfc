// #15 item 1: the TLSA lookup runs concurrently with the TCP connect and the TLS handshake, and the guard
// awaits its answer after the handshake, before the check. A resolver that holds its answer shows it on
// the wire: the connection is dialled and its handshake finished while the question is outstanding, and
// nothing crosses the session (no command, no credential) until the answer is in and the check passed.
// The answer still decides: valid lets the login through, a mismatch refuses, an abort ends the wait.
// In-process resolver and servers, so this runs everywhere (real DNSSEC: guarded-dane.test.ts).
import { ErrorCode, isSdkError, type Report } from '@mua-sts/core'
import { type TlsaRecord, tlsaRecordFor } from '@mua-sts/dane'
import { FakeSmtpServer, startFakeImap, startFakePop3 } from '@mua-sts/testing'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as imap from '../imap/harness.js'
import * as pop3 from '../pop3/harness.js'
import { loopbackLookup } from '../setup-probe/fakes.js'
import * as smtp from '../smtp/harness.js'
import { testPki } from '../support/certs.js'
import { until } from '../support/until.js'
import { selfSigned, type TestCert } from './support/chains.js'
import { type HeldResolver, startHeldResolver } from './support/held-resolver.js'
import { startTcpTap, type TcpTap } from './support/tcp-tap.js'

const HOST = 'ee.example.test'
const trust = { ca: testPki().caCert, lookup: loopbackLookup }

type Server = {
  readonly port: number
  /** Commands the server received, in any phase. */
  commands(): number
  sawCredentials(): boolean
  close(): Promise<void>
}

type Attempt = {
  /** The guarded connect (SMTP: the send that opens the session). */
  readonly result: Promise<unknown>
  readonly reports: Report[]
  /** Ends a session that passed. */
  finish(session: unknown): Promise<void>
  /** The refusal contract of the protocol's harness; the report. */
  expectRefused(): Promise<Report>
}

type Protocol = {
  readonly name: string
  start(leaf: { key: string; cert: string; spki: string }): Promise<Server>
  attempt(port: number, dane: { address: string }, extra: Extra): Promise<Attempt>
}

const latches = ['tls-dane-tlsa']

/** What a test adds to the connect options. */
type Extra = { readonly signal?: AbortSignal; readonly timeoutMs?: number }

const PROTOCOLS: Protocol[] = [
  {
    name: 'IMAP',
    async start(leaf) {
      const s = await startFakeImap({ mode: 'implicit', leaf })
      return {
        port: s.port,
        commands: () => s.commands().length,
        sawCredentials: () => imap.sawCredentials(s) || s.sawAny(['ID', 'LOGIN', 'AUTHENTICATE']),
        close: () => s.close(),
      }
    },
    async attempt(port, dane, extra) {
      const setup = await imap.commit(port, { transport: 'implicit-tls', host: HOST, latches })
      const result = setup.connect({ trust, dane, ...extra })
      return {
        result,
        reports: setup.reports,
        finish: (c) => (c as Awaited<ReturnType<typeof setup.connect>>).logout(),
        expectRefused: () => imap.expectRefused(setup, result, 'dane_unsatisfied'),
      }
    },
  },
  {
    name: 'POP3',
    async start(leaf) {
      const s = await startFakePop3({ mode: 'implicit', leaf })
      return {
        port: s.port,
        commands: () => s.commands.length,
        sawCredentials: () => s.sawCredentials(),
        close: () => s.close(),
      }
    },
    async attempt(port, dane, extra) {
      const setup = await pop3.commit(port, { transport: 'implicit-tls', host: HOST, latches })
      const result = setup.connect({ trust, dane, ...extra })
      return {
        result,
        reports: setup.reports,
        finish: (c) => (c as Awaited<ReturnType<typeof setup.connect>>).quit(),
        expectRefused: () => pop3.expectRefused(setup, result, 'dane_unsatisfied'),
      }
    },
  },
  {
    name: 'submission',
    async start(leaf) {
      const s = await FakeSmtpServer.start({
        mode: 'implicit-tls',
        leaf,
        credentials: { user: smtp.USER, pass: smtp.PASS },
      })
      return {
        port: s.port,
        commands: () => s.verbs().length,
        sawCredentials: () => s.verbs().includes('AUTH') || s.clientBytes().includes(smtp.PASS),
        close: () => s.close(),
      }
    },
    async attempt(port, dane, extra) {
      const g = await smtp.guardedFor(
        { port },
        { transport: 'implicit-tls', host: HOST, latches },
        { trust, dane, ...extra },
      )
      const result = g.mailer.sendMail(smtp.MESSAGE)
      return {
        result,
        reports: g.reports,
        finish: async () => g.mailer.close(),
        expectRefused: async () => {
          const refusal = await smtp.expectRefusal(g, () => result)
          g.mailer.close()
          return refusal.report
        },
      }
    },
  },
]

let self: TestCert
let stranger: TestCert
beforeAll(async () => {
  self = await selfSigned(['*.example.test'])
  stranger = await selfSigned(['*.example.test'])
})

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

describe.each(PROTOCOLS)('$name: the TLSA lookup beside the dial', (protocol) => {
  /** A server behind a tap, a resolver holding `records`, and a connect that is under way. */
  async function heldConnect(records: TlsaRecord[], extra: Extra = {}) {
    const server = await protocol.start({ key: self.key, cert: self.pem, spki: '' })
    const tap = await startTcpTap(server.port)
    const resolver = await startHeldResolver(records)
    cleanup.push(
      () => server.close(),
      () => tap.close(),
      () => resolver.close(),
    )
    const attempt = await protocol.attempt(tap.port, { address: resolver.address }, extra)
    let settled = false
    attempt.result.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    await heldAfterHandshake(server, tap, resolver, () => settled)
    return { server, resolver, attempt }
  }

  /**
   * Waits until the client has dialled and sent its second handshake flight (its TLS Finished: the
   * handshake is complete on its side) while the resolver still holds the TLSA answer, then checks that
   * the connect is still waiting and that nothing crossed the session.
   */
  async function heldAfterHandshake(
    server: Server,
    tap: TcpTap,
    resolver: HeldResolver,
    settled: () => boolean,
  ) {
    await until(() => tap.accepted === 1 && tap.clientChunks >= 2, 'the TCP connect and TLS handshake')
    expect(resolver.questions).toEqual([`_${tap.port}._tcp.${HOST}`])
    expect(resolver.answered).toBe(0)
    // A grace period in which a guard that did not wait would have gone on (or refused).
    await new Promise((r) => setTimeout(r, 50))
    expect(settled()).toBe(false)
    expect(server.commands()).toBe(0)
    expect(server.sawCredentials()).toBe(false)
  }

  it('dials and finishes the handshake while the answer is outstanding; a valid answer then lets the login through', async () => {
    const { server, resolver, attempt } = await heldConnect([tlsaRecordFor(self.der)])
    resolver.release()
    await attempt.finish(await attempt.result)
    expect(attempt.reports).toEqual([])
    expect(server.sawCredentials()).toBe(true)
  })

  it('a mismatching answer that arrives after the handshake still refuses (tlsa-invalid), before any credential', async () => {
    const { server, resolver, attempt } = await heldConnect([tlsaRecordFor(stranger.der)])
    resolver.release()
    const report = await attempt.expectRefused()
    expect(report.violations.find((v) => v.code === 'dane_unsatisfied')).toMatchObject({
      resultType: 'tlsa-invalid',
      observed: 'invalid',
    })
    expect(server.commands()).toBe(0)
    expect(server.sawCredentials()).toBe(false)
  })

  it('an abort while the answer is outstanding ends the wait at once: ABORTED, no report, nothing sent', async () => {
    const abort = new AbortController()
    const { server, resolver, attempt } = await heldConnect([tlsaRecordFor(self.der)], {
      signal: abort.signal,
    })
    abort.abort()
    const error = await attempt.result.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSdkError(error, ErrorCode.Aborted)).toBe(true)
    expect(attempt.reports).toEqual([])
    expect(resolver.answered).toBe(0)
    expect(server.commands()).toBe(0)
    expect(server.sawCredentials()).toBe(false)
  })

  it('the connect deadline ends the wait: a timeout in phase `check`, never blamed on the server as an attack', async () => {
    const { server, attempt } = await heldConnect([tlsaRecordFor(self.der)], { timeoutMs: 1_000 })
    const error = await attempt.result.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSdkError(error, ErrorCode.Timeout)).toBe(true)
    expect((error as { details?: { phase?: string } }).details?.phase).toBe('check')
    expect(attempt.reports.flatMap((r) => r.violations)).toEqual([])
    expect(server.commands()).toBe(0)
    expect(server.sawCredentials()).toBe(false)
  })
})

describe('IMAP over STARTTLS: the TLSA lookup beside the dial', () => {
  it('waits after the upgraded handshake with nothing sent over TLS; a deadline there is not a stall before TLS', async () => {
    const server = await startFakeImap({ mode: 'starttls', leaf: { key: self.key, cert: self.pem } })
    const resolver = await startHeldResolver([tlsaRecordFor(self.der)])
    cleanup.push(
      () => server.close(),
      () => resolver.close(),
    )
    const setup = await imap.commit(server.port, { transport: 'starttls', host: HOST, latches })
    const result = setup.connect({ trust, dane: { address: resolver.address }, timeoutMs: 1_000 })
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(resolver.questions).toEqual([`_${server.port}._tcp.${HOST}`])
    expect(resolver.answered).toBe(0)
    // The cleartext leg ran (STARTTLS), the upgraded session saw nothing.
    expect(server.sawAny(['STARTTLS'], 'plain')).toBe(true)
    expect(server.commands().filter((c) => c.phase === 'tls')).toEqual([])
    expect(imap.sawCredentials(server)).toBe(false)
    // The server spoke in cleartext and then TLS came up: the stall is the resolver's, not a strip.
    expect(isSdkError(error, ErrorCode.Timeout)).toBe(true)
    expect((error as { details?: { phase?: string } }).details?.phase).toBe('check')
    expect(setup.reports.flatMap((r) => r.violations)).toEqual([])
  })
})
