// Builders for tests (the SDK's and users'): a realistic commitment and a compliant observation.
// Exported as "@mua-sts/core/testing", never from the main entry point.
import { type Commitment, createCommitment } from '../model/commitment.js'
import { createObservation, type Observation, type ObservationInput } from '../model/observation.js'
import type { Service } from '../model/primitives.js'

export const FIXED_NOW = '2026-01-01T00:00:00.000Z'
export const SAMPLE_SPKI = 'nepCG63SQk7VQwivq6J35v5+U5DplzE7dYI0fCC/lj0='
export const OTHER_SPKI = 'dVdECK5yWe84Ot1ck6dn2YLDL2YIRCESeHpQ36U0oeQ='

/** An implicit-TLS IMAP commitment on imap.example.net:993 with tls12 + tls-cert latched. */
export function sampleCommitment(overrides: Partial<Commitment> = {}): Commitment {
  const base = createCommitment({
    account: 'acct_1',
    service: 'imap' as Service,
    host: 'imap.example.net',
    port: 993,
    transport: 'implicit-tls',
    source: 'setup',
    now: FIXED_NOW,
  })
  return { ...base, latches: ['tls-cert', 'tls12'], ...overrides }
}

/** A fully compliant observation of `sampleCommitment()`'s endpoint; override any field. */
export function goodObservation(overrides: Partial<ObservationInput> = {}): Observation {
  return createObservation({
    service: 'imap',
    endpoint: { host: 'imap.example.net', port: 993 },
    transport: 'implicit-tls',
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: {
      chainTrusted: true,
      expired: false,
      nameMatch: true,
      matchedIdentity: 'imap.example.net',
      spkiSha256: SAMPLE_SPKI,
    },
    capsBeforeTls: [],
    capsAfterTls: ['IMAP4rev1', 'ID', 'DEEP', 'AUTH=PLAIN'],
    anomalies: [],
    ...overrides,
  })
}
