import { buildSecurityRecord, ErrorCode, isSdkError, type Report, type SecurityRecord } from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'
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

  it('counts successful sessions from security records and fills receiving-ip from refused ones', () => {
    let n = 0
    const record = (at: string, outcome: 'passed' | 'refused', reportId?: string): SecurityRecord =>
      buildSecurityRecord({
        recordId: `rec_${String(++n).padStart(8, '0')}`,
        now: at,
        account: 'acct_1',
        service: 'imap',
        commitment: sampleCommitment(),
        observation: goodObservation(),
        outcome,
        reportId,
        socket: { remoteAddress: '192.0.2.7' },
        sdk: { package: '@mua-sts/imap', version: '0.1.0' },
      })
    const refused = reports[0] as Report
    const records = [
      ...Array.from({ length: 9 }, (_, i) => record(at(6 + i), 'passed')),
      record(at(1), 'refused', refused.reportId),
      record('2026-03-03T00:00:00.000Z', 'passed'), // outside the period
      { ...record(at(7), 'passed'), recordId: 'bad id!' } as SecurityRecord, // fails its schema
    ]
    const doc = buildTlsrptReport(reports, RANGE, records)
    const imap = doc.policies.find((p) => p.policy['policy-domain'] === 'imap.example.net')
    expect(imap?.summary['total-successful-session-count']).toBe(9)
    expect(imap?.['failure-details']).toContainEqual(
      expect.objectContaining({
        'receiving-ip': '192.0.2.7',
        'failure-reason-code': 'tls_version_below_floor',
      }),
    )
  })

  it('leaves store and keychain faults out: they are not TLS results', () => {
    const local = sampleReport({ at: at(7), codes: ['store_corrupt'], host: 'local.example.net' })
    const keychain = sampleReport({ at: at(8), codes: ['keychain_unavailable'], host: 'local.example.net' })
    const doc = buildTlsrptReport([local, keychain], RANGE)
    expect(doc.policies).toEqual([])
  })

  it('never exports a DANE check that did not run as dane-required', () => {
    const r = sampleReport({ at: at(7), codes: ['dane_unsatisfied'] })
    const notRun = {
      ...r,
      violations: [
        {
          ...(r.violations[0] as Report['violations'][number]),
          resultType: 'dane-required' as const,
          observed: 'missing',
        },
      ],
    } as Report
    const doc = buildTlsrptReport([notRun], RANGE)
    expect(doc.policies[0]?.['failure-details'][0]?.['result-type']).toBe('validation-failure')
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
