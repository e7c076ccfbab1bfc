import { ErrorCode, isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { sampleReport } from '../../../../test/reports/sample-reports.js'
import { buildTlsrptReport } from './export.js'
import { TlsrptReportSchema } from './schema.js'

const RANGE = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', reportId: 'rpt-1' }
const at = (h: number): string => `2026-03-01T${String(h).padStart(2, '0')}:00:00.000Z`

const reports = [
  sampleReport({ at: at(1), codes: ['tls_version_below_floor'], account: 'acct_1' }),
  sampleReport({ at: at(2), codes: ['tls_version_below_floor'], account: 'acct_2' }),
  sampleReport({ at: at(3), codes: ['certificate_expired', 'certificate_host_mismatch'] }),
  sampleReport({
    at: at(4),
    codes: ['starttls_not_offered'],
    host: 'mail.example.org',
    port: 587,
    service: 'submission',
  }),
  sampleReport({ at: at(5), codes: ['dane_unsatisfied'], host: 'mail.example.org', port: 143 }),
  sampleReport({ at: '2026-03-02T00:00:00.000Z', codes: ['certificate_not_trusted'] }), // outside [from, to)
]

describe('buildTlsrptReport()', () => {
  it('builds an RFC 8460 §4.4-shaped document that passes its schema', () => {
    const doc = buildTlsrptReport(reports, {
      ...RANGE,
      organizationName: 'Example Mail App',
      contactInfo: 'security@example.com',
    })
    expect(TlsrptReportSchema.parse(doc)).toEqual(doc)
    expect(doc).toMatchObject({
      'organization-name': 'Example Mail App',
      'contact-info': 'security@example.com',
      'report-id': 'rpt-1',
      'date-range': { 'start-datetime': RANGE.from, 'end-datetime': RANGE.to },
    })
  })

  it('has one no-policy-found policy per (host, service) with session counts and result types', () => {
    const doc = buildTlsrptReport(reports, RANGE)
    expect(doc.policies.map((p) => [p.policy['policy-domain'], p['x-mua-sts-service']])).toEqual([
      ['imap.example.net', 'imap'],
      ['mail.example.org', 'imap'],
      ['mail.example.org', 'submission'],
    ])
    const imap = doc.policies[0]
    expect(imap?.policy).toEqual({
      'policy-type': 'no-policy-found',
      'policy-string': [],
      'policy-domain': 'imap.example.net',
      'mx-host': ['imap.example.net'],
    })
    expect(imap?.summary).toEqual({ 'total-successful-session-count': 0, 'total-failure-session-count': 3 })
    expect(imap?.['failure-details']).toEqual([
      {
        'result-type': 'validation-failure',
        'receiving-mx-hostname': 'imap.example.net',
        'failed-session-count': 2,
        'failure-reason-code': 'tls_version_below_floor',
        'x-mua-sts-latch': 'tls12',
      },
      expect.objectContaining({ 'result-type': 'certificate-expired', 'failed-session-count': 1 }),
      expect.objectContaining({ 'result-type': 'certificate-host-mismatch', 'failed-session-count': 1 }),
    ])
    expect(imap?.['x-mua-sts-accounts']).toBe(2)
    expect(imap?.['x-mua-sts-commitment']).toMatchObject({
      transport: 'implicit-tls',
      latches: ['tls-cert', 'tls12'],
    })
    const types = doc.policies.flatMap((p) => p['failure-details'].map((d) => d['result-type']))
    expect(new Set(types)).toEqual(
      new Set([
        'validation-failure',
        'certificate-expired',
        'certificate-host-mismatch',
        'starttls-not-supported',
        'tlsa-invalid',
      ]),
    )
  })

  it('reports successful sessions when the app provides them, including hosts without failures', () => {
    const doc = buildTlsrptReport(reports, {
      ...RANGE,
      successfulSessions: [
        { host: 'imap.example.net', service: 'imap', count: 40 },
        { host: 'pop.example.net', service: 'pop3', count: 7 },
      ],
    })
    expect(doc.policies[0]?.summary['total-successful-session-count']).toBe(40)
    const pop = doc.policies.find((p) => p.policy['policy-domain'] === 'pop.example.net')
    expect(pop?.summary).toEqual({ 'total-successful-session-count': 7, 'total-failure-session-count': 0 })
    expect(pop?.['failure-details']).toEqual([])
  })

  it('carries no account reference, observed capability or certificate data', () => {
    const text = JSON.stringify(buildTlsrptReport(reports, RANGE))
    expect(text).not.toMatch(/acct_/)
    expect(text).not.toMatch(/IMAP4rev1|spki|AES128/i)
  })

  it('rejects an empty or inverted period with MUASTS_ERR_INVALID_OPTION', () => {
    expect(() => buildTlsrptReport(reports, { ...RANGE, to: RANGE.from })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
    let err: unknown
    try {
      buildTlsrptReport(reports, { ...RANGE, from: 'yesterday' })
    } catch (e) {
      err = e
    }
    expect(isSdkError(err, ErrorCode.InvalidOption)).toBe(true)
  })
})
