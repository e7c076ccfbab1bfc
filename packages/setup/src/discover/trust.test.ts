import { describe, expect, it } from 'vitest'
import { autoconfigTrust, isInDomain, srvTrust } from './trust.js'

describe('isInDomain', () => {
  it('accepts the domain itself and label-aligned subdomains only', () => {
    expect(isInDomain('example.test', 'example.test')).toBe(true)
    expect(isInDomain('mail.example.test', 'example.test')).toBe(true)
    expect(isInDomain('evilexample.test', 'example.test')).toBe(false)
    expect(isInDomain('example.test.evil.test', 'example.test')).toBe(false)
  })
})

describe('srvTrust (RFC 8314 §5.1)', () => {
  it('trusts a target inside the queried domain', () => {
    expect(srvTrust('mail.example.test', 'example.test', false)).toEqual({
      level: 'trusted',
      reason: 'srv_target_in_domain',
    })
  })
  it('asks the user about a target outside the queried domain', () => {
    expect(srvTrust('imap.provider.test', 'example.test', false)).toEqual({
      level: 'needs-confirmation',
      reason: 'srv_target_outside_domain',
    })
  })
  it('trusts any target when the answer was DNSSEC-validated', () => {
    expect(srvTrust('imap.provider.test', 'example.test', true)).toEqual({
      level: 'trusted',
      reason: 'dnssec_validated',
    })
  })
})

describe('autoconfigTrust', () => {
  it('trusts validated HTTPS from the mail domain or its autoconfig host', () => {
    for (const finalHost of ['example.test', 'autoconfig.example.test']) {
      expect(autoconfigTrust({ validatedHttps: true, finalHost }, 'example.test').level).toBe('trusted')
    }
  })
  it('asks about anything that crossed plain HTTP', () => {
    expect(
      autoconfigTrust({ validatedHttps: false, finalHost: 'autoconfig.example.test' }, 'example.test'),
    ).toEqual({
      level: 'needs-confirmation',
      reason: 'plain_http_source',
    })
  })
  it('asks about a document that was redirected out of the mail domain', () => {
    expect(autoconfigTrust({ validatedHttps: true, finalHost: 'hoster.test' }, 'example.test').reason).toBe(
      'https_redirected_outside_domain',
    )
  })
})
