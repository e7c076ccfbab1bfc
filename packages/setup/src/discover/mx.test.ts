import { describe, expect, it } from 'vitest'
import { registrableDomain } from './mx.js'

describe('registrableDomain (heuristic, not the Public Suffix List)', () => {
  it.each([
    ['mx1.mail.provider.test', 'provider.test'],
    ['aspmx.l.google.com', 'google.com'],
    ['mx.isp.co.uk', 'isp.co.uk'],
    ['mail.isp.com.au', 'isp.com.au'],
    ['mx.provider.ne.jp', 'provider.ne.jp'],
    ['provider.test', 'provider.test'],
    // `co` is only a public suffix under a two-letter TLD
    ['mx.co.example', 'co.example'],
  ])('maps %s to %s', (host, expected) => {
    expect(registrableDomain(host)).toBe(expected)
  })
})
