import { describe, expect, it } from 'vitest'
import { createObservation } from '../model/observation.js'
import { FIXED_NOW, goodObservation, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { buildSecurityRecord, SecurityRecordSchema } from './security-record.js'

const SDK = { package: '@mua-sts/imap', version: '0.1.0' }

function record(overrides: Partial<Parameters<typeof buildSecurityRecord>[0]> = {}) {
  return buildSecurityRecord({
    recordId: 'rec_00000001',
    now: FIXED_NOW,
    account: 'acct_1',
    service: 'imap',
    commitment: sampleCommitment({ latches: ['tls12', 'tls-cert', 'x-old'] }),
    observation: goodObservation(),
    outcome: 'passed',
    socket: { group: 'X25519', issuer: 'CN=Test CA, O=mua-sts tests', remoteAddress: '127.0.0.1' },
    sdk: SDK,
    ...overrides,
  })
}

describe('buildSecurityRecord()', () => {
  it('records the TLS facts and what was checked, schema-valid', () => {
    const r = record()
    expect(SecurityRecordSchema.parse(r)).toEqual(r)
    expect(r).toMatchObject({
      outcome: 'passed',
      endpoint: { host: 'imap.example.net', port: 993, transport: 'implicit-tls' },
      remoteAddress: '127.0.0.1',
      tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256, group: 'X25519' },
      certificate: { spkiSha256: SAMPLE_SPKI, issuer: 'CN=Test CA, O=mua-sts tests', chainTrusted: true },
      dane: { status: 'not_checked' },
      serverAuthenticated: true,
      checked: {
        tlsFloor: 'TLSv1.2',
        requiredTlsVersion: 'TLSv1.2',
        latches: ['tls12', 'tls-cert'],
        pinned: false,
      },
    })
  })

  it('drops socket facts that are not what they claim (markup, a non-IP address)', () => {
    const r = record({
      socket: { group: 'X<script>', issuer: 'CN=<b>evil</b>\r\n', remoteAddress: 'alice@example.net' },
    })
    expect(r.tls?.group).toBeUndefined()
    expect(r.remoteAddress).toBeUndefined()
    expect(r.certificate?.issuer).toBe('CN=bevil/b')
  })

  it('records a refusal before TLS without TLS facts, linked to its report', () => {
    const o = createObservation({
      ...goodObservation(),
      transport: 'plaintext',
      tls: undefined,
      certificate: undefined,
    })
    const r = record({ observation: o, outcome: 'refused', reportId: 'rep_0001abcd', socket: undefined })
    expect(r).toMatchObject({ outcome: 'refused', reportId: 'rep_0001abcd', serverAuthenticated: false })
    expect(r.tls).toBeUndefined()
  })

  it('never carries a credential or a mail address', () => {
    const json = JSON.stringify(record())
    expect(json).not.toMatch(/password|token|@example|username/i)
  })
})
