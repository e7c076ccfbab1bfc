// Issue #12 item 5: report help links use only accepted URLs. A commitment saved under the old
// newest-wins rule may hold a URL that any server passing the checks once was able to set; the
// app-facing ReportEvent re-checks it with core's acceptedStatusUrl() and offers nothing instead.
import { acceptedStatusUrl, buildReport, createCommitment, RESULT_TYPE_BY_CODE } from '@mua-sts/core'
import { toReportEvent } from '@mua-sts/reports'
import { expect, it } from 'vitest'

it('toReportEvent() never offers a saved status URL that acceptedStatusUrl() refuses', () => {
  const legacy = {
    ...createCommitment({
      account: 'acct_1',
      service: 'imap',
      host: 'mail.example.test',
      port: 993,
      transport: 'implicit-tls',
      source: 'setup',
      now: '2025-01-01T00:00:00.000Z',
    }),
    // Learned before #12 from any server that passed the checks once (newest wins).
    statusUrl: { url: 'https://help.attacker.invalid/your-mail-is-fine', seenAt: '2025-02-01T00:00:00.000Z' },
  }
  expect(acceptedStatusUrl(legacy)).toBeUndefined()
  const report = buildReport({
    reportId: 'r1',
    now: '2026-01-01T00:00:00.000Z',
    account: 'acct_1',
    service: 'imap',
    endpoint: { host: 'mail.example.test', port: 993 },
    violations: [
      {
        code: 'certificate_not_trusted',
        resultType: RESULT_TYPE_BY_CODE.certificate_not_trusted,
        path: ['certificate', 'chainTrusted'],
        expected: 'true',
        observed: 'false',
      },
    ],
    action: 'blocked_before_auth',
    commitment: legacy,
    sdk: { package: '@mua-sts/review', version: '0.0.0' },
  })
  expect(toReportEvent(report).helpUrl).toBeUndefined()
})
