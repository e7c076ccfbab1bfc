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
    expect(guard.check(await guard.commitment(), goodObservation(), socket)).toEqual({ ok: true })
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

  it('offers in-band latch-fail only when the server is authenticated', () => {
    const { guard } = setup()
    const pinned = sampleCommitment({ pins: { spki: [OTHER_SPKI], backup: [] } })
    const r = guard.check(pinned, goodObservation(), {})
    expect(!r.ok && r.inBand?.idFields['latch-fail']).toBe('spki-pin')
    expect(!r.ok && r.report.action).toBe('blocked_before_auth_reported_in_band')
    const untrusted = guard.check(
      pinned,
      goodObservation({ certificate: { chainTrusted: false, expired: false, nameMatch: null } }),
      {},
    )
    expect(!untrusted.ok && untrusted.inBand).toBeNull()
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
    expect(guard.inBandFor(c).idFields).toMatchObject({ name: 'mua-sts', latch: 'tls-cert tls12' })
    const store = new MemoryCommitmentStore()
    const quiet = new Guard({ account: c.account, store, client: null }, 'imap', 'x')
    expect(quiet.inBandFor(c).idFields).not.toHaveProperty('name')
    expect(quiet.inBandFor(c).client04).toBe('CLIENT latch=tls-cert,tls12 security-tags=tls11')
  })
})
