import { describe, expect, it } from 'vitest'
import { evaluate } from '../evaluate/evaluate.js'
import { goodObservation, OTHER_SPKI, sampleCommitment } from '../testing/fixtures.js'
import type { InBand } from './in-band.js'
import { buildReport, dedupKey, ReportSchema } from './report.js'
import { CommitmentViolationError } from './violation-error.js'

const NOW = '2026-03-01T09:12:44.120Z'
const CLIENT = { name: 'mua-sts', version: '0.1.0' }

function reportFor(
  overrides: Parameters<typeof goodObservation>[0],
  pinned = false,
  sent: InBand | null = null,
  action: 'blocked_before_auth' | 'blocked_before_auth_reported_in_band' = 'blocked_before_auth',
) {
  const c = sampleCommitment(pinned ? { pins: { spki: [OTHER_SPKI], backup: [] } } : {})
  const o = goodObservation(overrides)
  const v = evaluate(c, o)
  if (v.outcome !== 'violated') throw new Error('expected a violation')
  return buildReport({
    reportId: 'rep_0001abcd',
    now: NOW,
    account: 'acct_1',
    service: 'imap',
    endpoint: c.endpoint,
    violations: v.violations,
    action,
    commitment: c,
    observation: o,
    inBand: sent,
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}

describe('buildReport()', () => {
  it('builds a schema-valid, versioned report', () => {
    const r = reportFor({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
    expect(ReportSchema.parse(r)).toEqual(r)
    expect(r).toMatchObject({
      schemaVersion: 1,
      account: { ref: 'acct_1' },
      outcome: 'violated',
      endpoint: { transport: 'implicit-tls' },
    })
  })

  it('records the in-band message that was sent, and then (only then) claims it in the action', () => {
    const sent: InBand = { idFields: { name: CLIENT.name, 'latch-fail': 'tls12' } }
    const r = reportFor({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } }, false, sent)
    expect(r.action).toBe('blocked_before_auth_reported_in_band')
    expect(r.inBand).toEqual({ idFields: { name: 'mua-sts', 'latch-fail': 'tls12' } })
  })

  it('never claims an in-band message that was not sent', () => {
    const r = reportFor({}, true, null, 'blocked_before_auth_reported_in_band')
    expect(r.action).toBe('blocked_before_auth')
    expect(r.inBand).toBeNull()
  })

  it('derives a dedup key from who, where and what — not from time or id', () => {
    const a = reportFor({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } })
    expect(a.dedupKey).toBe('acct_1|imap|imap.example.net:993|tls_version_below_floor/tls12')
    expect(dedupKey('a', 'imap', 'h', 1, [...a.violations].reverse())).toBe(
      dedupKey('a', 'imap', 'h', 1, a.violations),
    )
  })

  it('never carries credentials: only the opaque account ref identifies the account', () => {
    const json = JSON.stringify(reportFor({}, true))
    expect(json).not.toMatch(/password|passwd|token|username|alice/i)
  })

  it('is attached to the CommitmentViolationError with a stable code', () => {
    const r = reportFor({}, true)
    const e = new CommitmentViolationError(r)
    expect(e.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(e.report).toBe(r)
    expect(e.message).toContain('spki_pin_mismatch')
  })
})
