import { type Commitment, ErrorCode, isSdkError, type Report, SdkError } from '@mua-sts/core'
import { FIXED_NOW, goodObservation, OTHER_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { describe, expect, it } from 'vitest'
import { Guard } from './guard.js'
import { assertPassed, hasPassed } from './tripwire.js'

function setup(c: Commitment = sampleCommitment()) {
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
    },
    c.service,
    '@mua-sts/test',
  )
  return { store, seen, guard, c }
}

describe('Guard', () => {
  it('validates its options eagerly and names the bad path', () => {
    const store = new MemoryCommitmentStore()
    expect(() => new Guard({ account: 'has space', store }, 'imap', 'x')).toThrow(/options\.account/)
    expect(() => new Guard({ account: 'a', store, tls: { rejectUnauthorized: false } }, 'imap', 'x')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
    expect(() => new Guard({ account: 'a', store: {} }, 'imap', 'x')).toThrow(/options\.store/)
  })

  it('refuses to connect without a commitment', async () => {
    const { guard } = setup()
    await expect(guard.commitment()).rejects.toMatchObject({ code: ErrorCode.NoCommitment })
  })

  it('passes a compliant session and marks exactly that socket for the tripwire', async () => {
    const { guard, store, c, seen } = setup()
    await store.strengthen(c)
    const socket = {}
    expect(guard.check(await guard.commitment(), goodObservation(), socket)).toMatchObject({
      ok: true,
      record: { outcome: 'passed', tls: { version: 'TLSv1.3' }, checked: { latches: ['tls12', 'tls-cert'] } },
    })
    expect(hasPassed(socket)).toBe(true)
    expect(() => assertPassed({}, 'test')).toThrow(expect.objectContaining({ code: ErrorCode.GuardBypassed }))
    expect(seen).toEqual([])
  })

  it('dispatches the report before check() returns and attaches it to the error', () => {
    const { guard, c, seen } = setup()
    const socket = {}
    const r = guard.check(c, goodObservation({ transport: 'starttls' }), socket)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(seen).toEqual([r.report])
    expect(r.error.report).toBe(r.report)
    expect(r.error.code).toBe(ErrorCode.CommitmentViolated)
    expect(r.report).toMatchObject({
      reportId: 'rep_test_1',
      action: 'blocked_before_auth',
      generatedAt: FIXED_NOW,
    })
    expect(hasPassed(socket)).toBe(false)
  })

  it('offers in-band latch-fail only when the server is authenticated (default mode), never for a pin', () => {
    const { guard } = setup()
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    const pinOnly = guard.check(pinned, goodObservation(), {})
    expect(!pinOnly.ok && pinOnly.inBand).toBeNull()
    expect(!pinOnly.ok && pinOnly.report.action).toBe('blocked_before_auth')
    const tls11 = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
    const r = guard.check(pinned, tls11, {})
    expect(!r.ok && r.inBand?.idFields).toEqual({ name: 'mua-sts', version: '0.1.0', 'latch-fail': 'tls12' })
    const untrusted = guard.check(
      pinned,
      goodObservation({ certificate: { chainTrusted: false, expired: true, nameMatch: null } }),
      {},
    )
    expect(!untrusted.ok && untrusted.inBand).toBeNull()
  })

  it("in mode 'spec' reports a certificate failure over the session, and completes the handshake for it", () => {
    const store = new MemoryCommitmentStore()
    const c = sampleCommitment()
    const spec = new Guard({ account: c.account, store, inBand: 'spec' }, 'imap', 'x')
    const expired = goodObservation({ certificate: { chainTrusted: false, expired: true, nameMatch: null } })
    const r = spec.check(c, expired, {})
    expect(!r.ok && r.inBand?.idFields['latch-fail']).toBe('tls-cert')
    expect(spec.tlsParams(c).options.rejectUnauthorized).toBe(false)
    expect(setup().guard.tlsParams(c).options.rejectUnauthorized).toBe(true)
  })

  it('checkDeferred() dispatches nothing until complete(), which claims only what was sent', () => {
    const { guard, seen } = setup()
    const tls11 = goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
    const r = guard.checkDeferred(sampleCommitment(), tls11, {})
    if (r.ok) throw new Error('expected a refusal')
    expect(seen).toEqual([])
    expect(r.record).toMatchObject({ outcome: 'refused', reportId: 'rep_test_1' })
    const error = r.complete(null)
    expect(seen).toHaveLength(1)
    expect(error.report).toMatchObject({
      reportId: 'rep_test_1',
      action: 'blocked_before_auth',
      inBand: null,
    })
    expect(r.complete(r.inBand)).toBe(error)
    expect(seen).toHaveLength(1)
  })

  it('claims no in-band report when the adapter says the session has no in-band channel', () => {
    const { guard } = setup()
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    const r = guard.check(pinned, goodObservation(), {}, { inBand: false })
    expect(!r.ok && r.inBand).toBeNull()
    expect(!r.ok && r.report.action).toBe('blocked_before_auth')
  })

  it('never claims an in-band report for POP3, which has none (DEEP -04 §7.2)', () => {
    const store = new MemoryCommitmentStore()
    const pinned = sampleCommitment({ service: 'pop3', pins: { spki: [OTHER_SPKI], backup: [] } })
    const pop = new Guard({ account: pinned.account, store }, 'pop3', 'x')
    const r = pop.check(pinned, goodObservation({ service: 'pop3' }), {})
    expect(!r.ok && r.inBand).toBeNull()
    expect(!r.ok && r.report.action).toBe('blocked_before_auth')
    expect(!r.ok && r.report.inBand).toBeNull()
  })

  it('learns from an authenticated session and persists only what is new', async () => {
    const { guard, store, c } = setup(sampleCommitment({ latches: [] }))
    await store.strengthen(c)
    const o = goodObservation({ advertisement: { deep: { tags: ['tls12', 'tls-cert'] } } })
    const learned = await guard.learn(c, o)
    expect(learned.latches).toEqual(['tls-cert', 'tls12'])
    expect((await store.get(c.account, c.service))?.latches).toEqual(['tls-cert', 'tls12'])
    let writes = 0
    store.on('strengthened', () => writes++)
    await guard.learn(learned, o)
    expect(writes).toBe(0)
  })

  it('reports a corrupt store and rethrows: nothing is re-pinned from scratch', async () => {
    const { c, seen } = setup()
    const broken = new MemoryCommitmentStore()
    broken.get = async () => {
      throw new SdkError(ErrorCode.StoreCorrupt)
    }
    const guard = new Guard(
      {
        account: c.account,
        store: broken,
        reports: new ReportDispatcher([callbackSink((e) => seen.push(e.report))]),
      },
      'imap',
      'x',
    )
    const err = await guard.commitment().catch((e: unknown) => e)
    expect(isSdkError(err, ErrorCode.StoreCorrupt)).toBe(true)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      action: 'blocked_store_integrity',
      violations: [{ code: 'store_corrupt' }],
    })
    expect((err as { report?: Report }).report).toBe(seen[0])
  })

  it('sends name/version in band by default and nothing identifying when client is null', () => {
    const { guard, c } = setup()
    expect(guard.inBandFor(c).idFields).toMatchObject({ name: 'mua-sts', latch: 'tls12 tls-cert' })
    const store = new MemoryCommitmentStore()
    const quiet = new Guard({ account: c.account, store, client: null }, 'imap', 'x')
    expect(quiet.inBandFor(c).idFields).not.toHaveProperty('name')
    expect(quiet.inBandFor(c).client04).toBe('CLIENT latch=tls12,tls-cert security-tags=tls11')
  })

  it('reports a connection error as its own kind, with the phase and no violation', () => {
    const { guard, c, seen } = setup()
    const refused = Object.assign(new Error('connect ECONNREFUSED <b>x</b>'), { code: 'ECONNREFUSED' })
    const err = guard.connectionFailed({ phase: 'tcp', error: refused, commitment: c })
    expect(err).toMatchObject({
      code: ErrorCode.Connection,
      details: { phase: 'tcp', reportId: 'rep_test_1', cause: 'ECONNREFUSED' },
    })
    expect(err.message).not.toMatch(/<b>|attack/)
    expect(seen).toEqual([err.report])
    expect(err.report).toMatchObject({
      outcome: 'connection_error',
      violations: [],
      failure: { phase: 'tcp', code: 'MUASTS_ERR_CONNECTION', cause: 'ECONNREFUSED' },
    })
    expect(Object.keys(err)).not.toContain('report')
    const timeout = new SdkError(ErrorCode.Timeout, 'slow', { details: { phase: 'tcp' } })
    const t = guard.connectionFailed({ phase: 'tcp', error: timeout, commitment: c })
    expect(t).toBe(timeout)
    expect(t.report.failure.code).toBe('MUASTS_ERR_TIMEOUT')
  })

  it('reports a stall before TLS as stalled_before_tls and returns the timeout error', () => {
    const { guard, c, seen } = setup()
    const timeout = new SdkError(ErrorCode.Timeout, 'slow', { details: { phase: 'capabilities' } })
    const err = guard.stalledBeforeTls(
      c,
      { service: 'imap', endpoint: c.endpoint, transport: 'plaintext', capsBeforeTls: ['IMAP4rev1'] },
      timeout,
    )
    expect(err).toBe(timeout)
    expect(seen).toEqual([err.report])
    expect(err.report.violations.map((v) => v.code)).toEqual(['stalled_before_tls'])
    expect(err.report.action).toBe('blocked_before_auth')
  })
})
