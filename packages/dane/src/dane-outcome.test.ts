import { describe, expect, it } from 'vitest'
import { daneOutcome } from './dane-outcome.js'
import type { MatchContext } from './tlsa-match.js'

const name = '_993._tcp.mail.example.test'
const ctx: MatchContext = { referenceNames: ['mail.example.test'], pkixValid: true, now: new Date(0) }

describe('daneOutcome()', () => {
  it('passes lookup verdicts through without looking at the chain', () => {
    expect(daneOutcome({ status: 'dnssec-invalid', name, reason: 'timeout' }, [], ctx)).toEqual({
      status: 'dnssec-invalid',
      tlsaName: name,
      reason: 'timeout',
    })
    expect(daneOutcome({ status: 'no-records', name }, [], ctx)).toEqual({
      status: 'no-records',
      tlsaName: name,
    })
    expect(daneOutcome({ status: 'insecure', name }, [], ctx)).toEqual({ status: 'insecure', tlsaName: name })
  })

  it('is invalid, never valid, when a secure RRset has no usable record (RFC 6698 §4.1)', () => {
    const unknownUsage = { usage: 7, selector: 1, matchingType: 1, data: new Uint8Array(32) }
    expect(daneOutcome({ status: 'secure', name, owner: name, records: [unknownUsage] }, [], ctx)).toEqual({
      status: 'invalid',
      tlsaName: name,
      reason: 'no-usable-records',
    })
    expect(daneOutcome({ status: 'secure', name, owner: name, records: [] }, [], ctx).status).toBe('invalid')
  })
})
