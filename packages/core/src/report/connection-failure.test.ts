// The connection-error report kind (issue #13 item 3): its own outcome, no violations, wording that
// never says "attack", and a ReportSchema that tells the two kinds apart.
import { describe, expect, it } from 'vitest'
import { sampleCommitment } from '../testing/fixtures.js'
import { CONNECT_PHASES, explainConnectionFailure } from './connection-failure.js'
import { explainViolation } from './messages.js'
import { buildConnectionErrorReport, ReportSchema } from './report.js'

const c = sampleCommitment()
const report = buildConnectionErrorReport({
  reportId: 'rep_conn_0001',
  now: '2026-03-01T09:12:44.120Z',
  account: c.account,
  service: 'imap',
  endpoint: c.endpoint,
  failure: { phase: 'tcp', code: 'MUASTS_ERR_CONNECTION', cause: 'ECONNREFUSED' },
  commitment: c,
  sdk: { package: '@mua-sts/imap', version: '0.1.0' },
})

describe('connection_error reports', () => {
  it('are schema-valid, carry no violations and no in-band data, and dedup by phase', () => {
    expect(ReportSchema.parse(report)).toEqual(report)
    expect(report).toMatchObject({
      outcome: 'connection_error',
      action: 'connection_failed',
      violations: [],
      inBand: null,
      dedupKey: `${c.account}|imap|imap.example.net:993|connection_error/tcp`,
    })
  })

  it('cannot smuggle violations, in-band data or a free-text cause', () => {
    const v = {
      code: 'tls_not_established',
      resultType: 'starttls-not-supported',
      path: [],
      expected: '',
      observed: '',
    }
    expect(ReportSchema.safeParse({ ...report, violations: [v] }).success).toBe(false)
    expect(ReportSchema.safeParse({ ...report, inBand: { idFields: {} } }).success).toBe(false)
    expect(
      ReportSchema.safeParse({ ...report, failure: { ...report.failure, cause: 'reset by <b>' } }).success,
    ).toBe(false)
    expect(ReportSchema.safeParse({ ...report, outcome: 'violated' }).success).toBe(false)
  })

  it('are explained as a network or server problem in every phase, never as an attack', () => {
    for (const phase of CONNECT_PHASES) {
      for (const code of ['MUASTS_ERR_CONNECTION', 'MUASTS_ERR_TIMEOUT'] as const) {
        const text = explainConnectionFailure({ phase, code })
        expect(text).toMatch(/network or server problem/)
        expect(text).not.toMatch(/attack|interfer/i)
      }
    }
  })

  it('leave attack wording to the codes that are attack signatures', () => {
    expect(explainViolation('tls_handshake_failed')).not.toMatch(/attack/i)
    expect(explainViolation('stalled_before_tls')).not.toMatch(/attack/i)
    expect(explainViolation('bytes_after_starttls')).toMatch(/attack pattern/)
  })
})
