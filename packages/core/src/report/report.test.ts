import { describe, expect, it } from 'vitest'
import { evaluate } from '../evaluate/evaluate.js'
import { goodObservation, OTHER_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { parseIdParams, renderIdParams } from '../wire/imap-id.js'
import { parseClient04 } from '../wire/smtp-client-04.js'
import type { ClientIdentity } from './in-band.js'
import { buildReport, dedupKey, ReportSchema } from './report.js'
import { CommitmentViolationError } from './violation-error.js'

const NOW = '2026-03-01T09:12:44.120Z'
const CLIENT = { name: 'mua-sts', version: '0.1.0' }

function reportFor(
  overrides: Parameters<typeof goodObservation>[0],
  pinned = false,
  client: ClientIdentity = CLIENT,
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
    action: 'blocked_before_auth',
    commitment: c,
    observation: o,
    client,
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

  it('computes in-band lines that agree with the JSON violations (authenticated server)', () => {
    const r = reportFor({}, true)
    expect(r.violations.map((v) => v.tag)).toEqual(['spki-pin'])
    expect(r.inBand?.client04).toBe(
      'CLIENT name=mua-sts version=0.1.0 latch=tls-cert,tls12 latch-fail=spki-pin security-tags=tls11',
    )
    const parsed = parseClient04(r.inBand?.client04 ?? '')
    expect(parsed.ok && parsed.value.latchFail).toEqual(['spki-pin'])
    const id = parseIdParams(renderIdParams(r.inBand?.idFields ?? {}))
    expect(id.ok && id.value['latch-fail']).toBe('spki-pin')
  })

  it('has no in-band data when the server is not authenticated (nothing may be sent)', () => {
    const r = reportFor({ certificate: { chainTrusted: false, expired: false, nameMatch: null } })
    expect(r.inBand).toBeNull()
  })

  it('switches client name and version off for privacy', () => {
    const r = reportFor({}, true, null)
    expect(r.inBand?.client04).not.toContain('name=')
    expect(r.inBand?.idFields).not.toHaveProperty('name')
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
