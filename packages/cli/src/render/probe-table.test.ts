import { createObservation, type Observation } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { daneCell } from './probe-table.js'

function observed(dane?: Observation['dane']): Observation {
  return createObservation({
    service: 'imap',
    endpoint: { host: 'mail.example.test', port: 993 },
    transport: 'implicit-tls',
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
    ...(dane === undefined ? {} : { dane }),
  })
}

describe('the DANE column of mua-sts probe', () => {
  it('labels a matching TLSA outcome DANE-validated and shows every other outcome as it is', () => {
    expect(daneCell(observed({ status: 'valid' }))).toBe('DANE-validated')
    expect(daneCell(observed({ status: 'invalid' }))).toBe('invalid')
    expect(daneCell(observed({ status: 'dnssec-invalid' }))).toBe('dnssec-invalid')
  })

  it('shows a dash when no lookup ran (no --resolver) or nothing was observed', () => {
    expect(daneCell(observed())).toBe('-')
    expect(daneCell(undefined)).toBe('-')
  })
})
