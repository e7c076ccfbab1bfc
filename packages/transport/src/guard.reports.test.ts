// What the Guard reports and returns beyond the verdict itself: the store-integrity report, the
// connection-error report and its message, in-band availability per service and channel, interim
// checkpoints, the DANE capability it advertises, and a report sink that throws. Each case asserts the
// whole report or error an app (or a collector) receives.
import {
  type Commitment,
  ErrorCode,
  isSdkError,
  type Report,
  SdkError,
  type SecurityRecord,
} from '@mua-sts/core'
import { FIXED_NOW, goodObservation, OTHER_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Guard } from './guard.js'
import { hasPassed } from './tripwire.js'
import { SDK_VERSION } from './version.js'

const TLS11 = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })

function setup(
  c: Commitment = sampleCommitment(),
  extra: Record<string, unknown> = {},
  service: Commitment['service'] = c.service,
) {
  const store = new MemoryCommitmentStore()
  const seen: Report[] = []
  const reports = new ReportDispatcher([callbackSink((e) => seen.push(e.report))])
  let n = 0
  const guard = new Guard(
    {
      account: c.account,
      store,
      reports,
      now: () => new Date(FIXED_NOW),
      newReportId: () => `rep_test_${++n}`,
      ...extra,
    },
    service,
    '@mua-sts/test',
  )
  return { store, seen, guard, c }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('store integrity failures', () => {
  it.each([
    [ErrorCode.StoreCorrupt, 'store_corrupt'],
    [ErrorCode.StoreRollback, 'store_rollback'],
    [ErrorCode.KeychainUnavailable, 'keychain_unavailable'],
  ] as const)('reports %s as %s, attached to the rethrown error', async (code, violation) => {
    const { guard, store, seen } = setup()
    store.get = async () => {
      throw new SdkError(code)
    }
    const err = await guard.commitment().catch((e: unknown) => e)
    expect(isSdkError(err, code)).toBe(true)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      reportId: 'rep_test_1',
      action: 'blocked_store_integrity',
      // No commitment could be read, so no endpoint either: the report says so instead of guessing.
      endpoint: { host: 'unknown', port: 1 },
      violations: [
        {
          code: violation,
          resultType: 'validation-failure',
          path: ['store'],
          expected: 'intact store',
          observed: code,
        },
      ],
      sdk: { package: '@mua-sts/test', version: SDK_VERSION },
    })
    expect((err as { report?: Report }).report).toBe(seen[0])
    // Attached, not enumerable: logging or serialising the error does not dump the report.
    expect(Object.keys(err as object)).not.toContain('report')
  })

  it.each([
    ['a plain Error', new Error('disk on fire')],
    ['an SDK error of another kind', new SdkError(ErrorCode.Internal, 'bug')],
  ])('rethrows %s from the store unchanged and reports nothing', async (_, failure) => {
    const { guard, store, seen } = setup()
    store.get = async () => {
      throw failure
    }
    await expect(guard.commitment()).rejects.toBe(failure)
    expect(seen).toEqual([])
    expect(Object.hasOwn(failure, 'report')).toBe(false)
  })

  it('names the account and service when there is no commitment, and what to do', async () => {
    const { guard } = setup()
    await expect(guard.commitment()).rejects.toThrow('No commitment for acct_1/imap; run setup first.')
  })
})

describe('connection errors', () => {
  it('names service, endpoint, phase and the system code in the message', () => {
    const { guard, c } = setup()
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const err = guard.connectionFailed({ phase: 'tcp', error: refused, commitment: c })
    expect(err.message).toBe('imap imap.example.net:993: connection failed during tcp (ECONNREFUSED).')
    expect(err.cause).toBe(refused)
    expect(err.report.endpoint).toEqual({ host: 'imap.example.net', port: 993 })
  })

  it.each([
    ['no error object', undefined],
    ['an SDK error (its code is ours, not the system cause)', new SdkError(ErrorCode.Protocol, 'x')],
    ['a numeric code', Object.assign(new Error('x'), { code: 104 })],
    ['a code that is not a token', Object.assign(new Error('x'), { code: 'E <b>bad</b>' })],
  ])('records no cause for %s', (_, error) => {
    const { guard, c, seen } = setup()
    const err = guard.connectionFailed({ phase: 'greeting', error, commitment: c })
    expect(err.message).toBe('imap imap.example.net:993: connection failed during greeting.')
    expect(err.details).toStrictEqual({ phase: 'greeting', reportId: 'rep_test_1' })
    expect(seen).toEqual([err.report])
    expect(err.report.failure).toStrictEqual({ phase: 'greeting', code: 'MUASTS_ERR_CONNECTION' })
  })

  it('reports an endpoint it has no commitment for as unknown', () => {
    const { guard } = setup()
    const err = guard.connectionFailed({ phase: 'tcp', error: new Error('x') })
    expect(err.report.endpoint).toEqual({ host: 'unknown', port: 1 })
    expect(err.message).toBe('imap unknown:1: connection failed during tcp.')
  })

  it('re-reports the same timeout error with the newer report instead of throwing', () => {
    const { guard, c } = setup()
    const timeout = new SdkError(ErrorCode.Timeout, 'slow', { details: { phase: 'capabilities' } })
    const stalled = guard.stalledBeforeTls(
      c,
      { service: 'imap', endpoint: c.endpoint, transport: 'plaintext' },
      timeout,
    )
    expect(Object.keys(stalled)).not.toContain('report')
    const first = stalled.report
    const again = guard.connectionFailed({ phase: 'capabilities', error: timeout, commitment: c })
    expect(again).toBe(timeout)
    expect(again.report).not.toBe(first)
    expect(again.report.outcome).toBe('connection_error')
    expect(() =>
      guard.connectionFailed({ phase: 'capabilities', error: timeout, commitment: c }),
    ).not.toThrow()
    expect(() =>
      guard.stalledBeforeTls(c, { service: 'imap', endpoint: c.endpoint, transport: 'plaintext' }, timeout),
    ).not.toThrow()
  })
})

describe('in-band availability (DEEP -04 §7: ID for IMAP, CLIENT for submission, none for POP3)', () => {
  it('offers the failure message for IMAP and submission, and never for POP3', () => {
    for (const service of ['imap', 'submission'] as const) {
      const c = sampleCommitment({ service })
      const r = setup(c).guard.check(c, goodObservation({ service, tls: TLS11.tls }), {})
      expect(!r.ok && r.inBand?.idFields['latch-fail']).toBe('tls12')
    }
    const pop = sampleCommitment({ service: 'pop3' })
    const r = setup(pop).guard.check(pop, goodObservation({ service: 'pop3', tls: TLS11.tls }), {})
    expect(!r.ok && r.inBand).toBeNull()
    expect(!r.ok && r.report.inBand).toBeNull()
  })

  it('offers none when the adapter has no in-band channel on this session, and says so in the report', () => {
    const { guard, c } = setup()
    const r = guard.check(c, TLS11, {}, { inBand: false })
    expect(!r.ok && r.inBand).toBeNull()
    expect(!r.ok && r.report.inBand).toBeNull()
    const open = guard.check(c, TLS11, {}, { inBand: true })
    expect(!open.ok && open.inBand?.idFields['latch-fail']).toBe('tls12')
  })

  it('failureInBandFor() answers before any post-TLS byte: the message for a latch, nothing for a pin', () => {
    const { guard } = setup()
    const c = sampleCommitment()
    expect(guard.failureInBandFor(c, TLS11)?.idFields).toEqual({
      name: 'mua-sts',
      version: SDK_VERSION,
      'latch-fail': 'tls12',
    })
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    expect(guard.failureInBandFor(pinned, goodObservation())).toBeNull()
  })

  it("in mode 'spec' completes the handshake for submission too, so the report can cross it", () => {
    const c = sampleCommitment({ service: 'submission' })
    const { guard } = setup(c, { inBand: 'spec' })
    expect(guard.tlsParams(c).options.rejectUnauthorized).toBe(false)
    const pop = sampleCommitment({ service: 'pop3' })
    expect(setup(pop, { inBand: 'spec' }).guard.tlsParams(pop).options.rejectUnauthorized).toBe(true)
  })

  it('advertises DANE support in band only when a validating resolver is configured', () => {
    const c = sampleCommitment()
    const plain = setup(c).guard
    const withDane = setup(c, { dane: { address: '127.0.0.1:9', timeoutMs: 100 } }).guard
    expect(plain.daneCapable).toBe(false)
    expect(withDane.daneCapable).toBe(true)
    expect(plain.inBandFor(c).idFields['security-tags']).not.toContain('tls-dane-tlsa')
    expect(withDane.inBandFor(c).idFields['security-tags']).toContain('tls-dane-tlsa')
  })
})

describe('the DANE check', () => {
  it("judges DANE-TA validity by the guard's clock (options.now), not the wall clock", async () => {
    const c = sampleCommitment({ latches: ['tls12', 'tls-dane-tlsa'] })
    const { guard } = setup(c, { dane: { address: '127.0.0.1:9', timeoutMs: 100 } })
    const params = guard.tlsParams(c)
    expect(params.dane?.now()).toEqual(new Date(FIXED_NOW))
    params.dane?.cancel()
    await params.dane?.answer
  })
})

describe('passes', () => {
  it('an interim checkpoint passes without a record; the full check after it has one', () => {
    const received: SecurityRecord[] = []
    const reports = new ReportDispatcher([], {
      recordSinks: [{ name: 'test', writeRecord: (r: SecurityRecord) => void received.push(r) }],
    })
    const { guard, c } = setup(sampleCommitment(), { reports })
    const socket = {}
    expect(guard.check(c, goodObservation(), socket, { interim: true })).toEqual({ ok: true })
    expect(received).toEqual([])
    const full = guard.check(c, goodObservation(), socket)
    expect(full.ok && full.record?.outcome).toBe('passed')
    expect(received).toHaveLength(1)
    expect(hasPassed(socket)).toBe(true)
  })

  it('passes without a socket to mark (nothing is recorded for the tripwire)', () => {
    const { guard, c } = setup()
    expect(guard.check(c, goodObservation(), undefined)).toMatchObject({ ok: true })
  })

  it('names the report after the committed endpoint, not the one observed', () => {
    const { guard, c } = setup()
    const r = guard.check(c, goodObservation({ endpoint: { host: 'elsewhere.example', port: 10993 } }), {})
    expect(!r.ok && r.report.endpoint).toEqual(c.endpoint)
  })
})

describe('report sinks', () => {
  it('a sink that throws costs a process warning, never the refusal', () => {
    const warned: unknown[][] = []
    vi.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => void warned.push(args))
    const reports = {
      dispatch: () => {
        throw new Error('sink down')
      },
    } as unknown as ReportDispatcher
    const { guard, c } = setup(sampleCommitment(), { reports })
    const r = guard.check(c, TLS11, {})
    expect(r.ok).toBe(false)
    expect(warned).toEqual([
      ['mua-sts: report sink threw while recording rep_test_1: Error: sink down', 'MuaStsWarning'],
    ])
  })

  it('a guard without a dispatcher refuses quietly', () => {
    const warned: unknown[] = []
    vi.spyOn(process, 'emitWarning').mockImplementation((w: unknown) => void warned.push(w))
    const c = sampleCommitment()
    const guard = new Guard({ account: c.account, store: new MemoryCommitmentStore() }, 'imap', 'x')
    expect(guard.check(c, TLS11, {}).ok).toBe(false)
    expect(warned).toEqual([])
  })
})

describe('learning a DANE requirement without a resolver (#15 item 4)', () => {
  it('refuses with details naming the account, service and what would have been learned', async () => {
    const c = sampleCommitment()
    const { guard, store } = setup(c)
    await store.strengthen(c)
    const advertisesDane = goodObservation({
      dane: { status: 'valid' },
      advertisement: { sts: { tlsCert: 'dane' }, deep: { tags: ['tls-dane-tlsa'] } },
    })
    const error = await guard.learn(c, advertisesDane).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: ErrorCode.DaneUnavailable,
      details: {
        account: 'acct_1',
        service: 'imap',
        learned: ['latch:tls-dane-tlsa', 'directive:tls-cert'],
      },
    })
  })
})
