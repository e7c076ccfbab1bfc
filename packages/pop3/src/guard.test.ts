// Checkpoint 3 as a table: which connect failures are violations (reported, CommitmentViolationError),
// which are connection errors or stalls (their own report), and which are plain coded errors (no
// report). End-to-end versions live in test/pop3/.
import { type Commitment, createCommitment, isSdkError, type Report } from '@mua-sts/core'
import { Guard } from '@mua-sts/transport'
import { describe, expect, it } from 'vitest'
import { Pop3Error, Pop3ErrorCode, type Pop3PreTlsAnomaly, type Pop3PreTlsAnomalyCode } from './errors.js'
import { advertisementFromCapa, GuardCheckpoints } from './guard.js'

// Checkpoint 3 as a table: which connect failures are violations (reported, CommitmentViolationError),
// which are connection errors or stalls (their own report), and which are plain coded errors (no
// report). End-to-end versions live in test/pop3/.

function setup(transport: 'implicit-tls' | 'starttls') {
  const commitment: Commitment = createCommitment({
    account: 'acct_1',
    service: 'pop3',
    host: 'pop.example.test',
    port: transport === 'starttls' ? 110 : 995,
    transport,
    source: 'setup',
    now: '2026-03-01T09:00:00.000Z',
  })
  const reports: Report[] = []
  const store = { get: async () => commitment, strengthen: async (c: Commitment) => c }
  const guard = new Guard(
    { account: 'acct_1', store, reports: { dispatch: (r: Report) => reports.push(r) } },
    'pop3',
    '@mua-sts/pop3',
  )
  return { checkpoints: new GuardCheckpoints(guard, commitment), reports }
}

function preTls(
  code: Pop3PreTlsAnomalyCode,
  cause?: unknown,
  step: Pop3PreTlsAnomaly['step'] = 'STLS',
  serverOctets = 40,
): Pop3Error {
  const anomaly: Pop3PreTlsAnomaly = {
    code,
    transport: 'starttls',
    step,
    capsBeforeTls: ['USER'],
    greetingBeforeTls: 'attacker text',
    tlsErrorCode: undefined,
    serverOctets,
    evidence: [],
  }
  return new Pop3Error(Pop3ErrorCode.TlsUnavailable, 'refused', { anomaly, cause })
}

const tlsError = (code: string) => Object.assign(new Error(code), { code })

describe('GuardCheckpoints.refusalFor', () => {
  it.each([
    ['starttls_not_offered', 'starttls', undefined, ['starttls_not_offered'], 'plaintext'],
    ['starttls_refused', 'starttls', undefined, ['starttls_refused'], 'plaintext'],
    ['bytes_after_starttls', 'starttls', undefined, ['bytes_after_starttls'], 'starttls'],
    [
      'tls_handshake_failed',
      'implicit-tls',
      tlsError('CERT_HAS_EXPIRED'),
      ['certificate_expired'],
      'implicit-tls',
    ],
    [
      'tls_handshake_failed',
      'starttls',
      tlsError('ERR_SSL_WRONG_VERSION_NUMBER'),
      // Plaintext where the ServerHello belongs: the server did not speak TLS, not an injection.
      ['tls_handshake_failed'],
      'starttls',
    ],
    ['untagged_before_tls', 'starttls', undefined, ['untagged_before_tls'], 'plaintext'],
  ] as const)(
    'reports %s on a %s commitment as a violation',
    (code, transport, cause, violations, observed) => {
      const { checkpoints, reports } = setup(transport)
      const error = checkpoints.refusalFor(preTls(code, cause))
      expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
      expect(reports).toHaveLength(1)
      expect(reports[0]?.violations.map((v) => v.code)).toEqual(violations)
      expect(reports[0]?.observed?.transport).toBe(observed)
      expect(reports[0]?.observed?.capsBeforeTls).toEqual(['USER'])
      expect(JSON.stringify(reports[0])).not.toContain('attacker text') // the greeting is never reported
    },
  )

  it('passes a protocol_error failure through unchanged, without a report', () => {
    const { checkpoints, reports } = setup('starttls')
    const original = preTls('protocol_error')
    expect(checkpoints.refusalFor(original)).toBe(original)
    expect(reports).toEqual([])
  })

  it.each([
    ['connection_closed', 'STLS'],
    ['connection_failed', 'connect'],
    ['timeout', 'connect'],
    ['timeout', 'greeting'], // with 0 octets: the server never sent a byte
  ] as const)('reports a %s failure (step %s) as a connection error, not a violation', (code, step) => {
    const { checkpoints, reports } = setup('starttls')
    const error = checkpoints.refusalFor(preTls(code, undefined, step, step === 'greeting' ? 0 : 40))
    expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(false)
    expect(reports).toEqual([expect.objectContaining({ outcome: 'connection_error', violations: [] })])
    expect((error as { report?: unknown }).report).toEqual(reports[0])
    expect(JSON.stringify(reports[0])).not.toContain('attacker text')
  })

  it('reports a timeout before TLS after the server sent a byte as stalled_before_tls', () => {
    const { checkpoints, reports } = setup('starttls')
    const error = checkpoints.refusalFor(preTls('timeout'))
    expect(isSdkError(error, 'MUASTS_ERR_TIMEOUT')).toBe(true)
    expect((error as { details?: unknown }).details).toMatchObject({ phase: 'starttls' })
    expect(reports.map((r) => r.violations.map((v) => v.code))).toEqual([['stalled_before_tls']])
  })

  it('passes post-TLS Pop3Errors and SDK errors through, and wraps anything else as INTERNAL', () => {
    const { checkpoints, reports } = setup('implicit-tls')
    const postTls = new Pop3Error(Pop3ErrorCode.Protocol, 'bad CAPA')
    expect(checkpoints.refusalFor(postTls)).toBe(postTls)
    const wrapped = checkpoints.refusalFor(new TypeError('boom'))
    expect(isSdkError(wrapped, 'MUASTS_ERR_INTERNAL')).toBe(true)
    expect(reports).toEqual([])
  })
})

describe('advertisementFromCapa', () => {
  it('reads the DEEP status tags and the https status URL (DEEP -04 §7.2)', () => {
    expect(advertisementFromCapa('tls12 TLS-CERT <https://status.example.test/mail>', [])).toEqual({
      deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.test/mail' },
    })
  })

  it('reads a -05 STS policy from the CAPA lines (-05 §9.2)', () => {
    const caps = ['USER', 'STS tls-version=1.3; tls-cert=pkix; sts-url=https://status.example.test/sts']
    expect(advertisementFromCapa(undefined, caps)).toEqual({
      sts: { tlsVersion: '1.3', tlsCert: 'pkix', stsUrl: 'https://status.example.test/sts' },
    })
  })

  it('treats a bare DEEP as an empty status', () => {
    expect(advertisementFromCapa('', ['DEEP'])).toEqual({ deep: { tags: [] } })
  })

  it('returns undefined when the server advertises nothing', () => {
    expect(advertisementFromCapa(undefined, ['USER', 'SASL PLAIN'])).toBeUndefined()
  })

  it('drops malformed tokens and non-https URLs instead of failing (DEEP -04 §5.3)', () => {
    expect(advertisementFromCapa('<http://plain.example/> 9bad tls12', [])).toEqual({
      deep: { tags: ['tls12'] },
    })
    expect(advertisementFromCapa('x'.repeat(5000), [])).toBeUndefined()
  })
})
