// Report builders for the reports tests: real core reports (buildReport), varied by code, host and time.
import {
  buildReport,
  RESULT_TYPE_BY_CODE,
  type Report,
  type Service,
  type ViolationCode,
} from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'

export type SampleReportInput = {
  readonly id?: string
  readonly at?: string
  readonly codes?: readonly ViolationCode[]
  readonly host?: string
  readonly port?: number
  readonly service?: Service
  readonly account?: string
  /** Extra ~300-byte capability strings in `observed` (at most 255), to make the record bigger. */
  readonly padding?: number
}

let counter = 0

/** A schema-valid report with a commitment and an observation, like a guard would build. Pure. */
export function sampleReport(input: SampleReportInput = {}): Report {
  counter++
  const host = input.host ?? 'imap.example.net'
  const port = input.port ?? 993
  const service = input.service ?? 'imap'
  const account = input.account ?? 'acct_1'
  const commitment = {
    ...sampleCommitment(),
    account,
    service,
    endpoint: { host, port, transport: 'implicit-tls' as const },
  }
  const caps = Array.from({ length: input.padding ?? 0 }, (_, i) => `X-PAD-${i}-${'p'.repeat(300)}`)
  const observation = {
    ...goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } }),
    service,
    endpoint: { host, port },
    capsAfterTls: ['IMAP4rev1', ...caps],
  }
  const codes = input.codes ?? ['tls_version_below_floor']
  return buildReport({
    reportId: input.id ?? `rep-${process.pid}-${counter.toString(36).padStart(6, '0')}`,
    now: input.at ?? '2026-03-01T09:12:44.120Z',
    account,
    service,
    endpoint: { host, port },
    violations: codes.map((code) => ({
      code,
      resultType: RESULT_TYPE_BY_CODE[code],
      path: ['tls', 'version'],
      expected: 'TLSv1.2',
      observed: 'TLSv1.1',
      ...(code === 'tls_version_below_floor' ? { tag: 'tls12' } : {}),
    })),
    action: 'blocked_before_auth',
    commitment,
    observation,
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}
