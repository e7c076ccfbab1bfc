// Servers the user typed in: labelled entered_by_user, checked like any host name, and never able
// to relabel (or hide) what discovery found.
import { describe, expect, it } from 'vitest'
import type { Discovery } from './candidate.js'
import { addManualCandidates, manualCandidate } from './manual.js'

const empty: Discovery = {
  domain: 'example.test',
  candidates: [],
  notOffered: [],
  errors: [],
  diagnostics: [],
}

describe('manualCandidate', () => {
  it('labels a typed-in server "entered by you" and canonicalises the name', () => {
    expect(
      manualCandidate({
        service: 'imap',
        host: ' Mail.Example.TEST. ',
        port: 993,
        transport: 'implicit-tls',
      }),
    ).toEqual({
      service: 'imap',
      host: 'mail.example.test',
      port: 993,
      transport: 'implicit-tls',
      source: 'manual',
      trust: { level: 'needs-confirmation', reason: 'entered_by_user' },
      priority: 0,
    })
  })

  it.each([
    ['a host with a space', { host: 'mail example.test' }],
    ['an empty host', { host: '' }],
    ['a URL', { host: 'imaps://mail.example.test' }],
    ['port 0', { port: 0 }],
    ['cleartext', { transport: 'plaintext' }],
    ['an extra trust label', { trust: { level: 'trusted', reason: 'dnssec_validated' } }],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION', (_name, patch) => {
    const input = {
      service: 'imap',
      host: 'mail.example.test',
      port: 993,
      transport: 'implicit-tls',
      ...patch,
    }
    expect(() => manualCandidate(input as never)).toThrow(
      expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }),
    )
  })
})

describe('addManualCandidates', () => {
  it('appends typed-in servers after the discovered ones of their service', () => {
    const discovered = manualCandidate({
      service: 'imap',
      host: 'a.example.test',
      port: 993,
      transport: 'implicit-tls',
    })
    const base: Discovery = {
      ...empty,
      candidates: [
        { ...discovered, source: 'srv', trust: { level: 'trusted', reason: 'srv_target_in_domain' } },
      ],
    }
    const next = addManualCandidates(base, [
      { service: 'imap', host: 'b.example.test', port: 993, transport: 'implicit-tls' },
      { service: 'submission', host: 'b.example.test', port: 465, transport: 'implicit-tls' },
    ])
    expect(next.candidates.map((c) => [c.host, c.source, c.priority])).toEqual([
      ['a.example.test', 'srv', 0],
      ['b.example.test', 'manual', 1],
      ['b.example.test', 'manual', 0],
    ])
    expect(base.candidates).toHaveLength(1)
  })

  it('keeps the discovered label of an endpoint the user typed in again, and ignores a label passed along', () => {
    const trusted = {
      service: 'imap' as const,
      host: 'a.example.test',
      port: 993,
      transport: 'implicit-tls' as const,
      source: 'srv' as const,
      trust: { level: 'trusted' as const, reason: 'srv_target_in_domain' as const },
      priority: 0,
    }
    const next = addManualCandidates({ ...empty, candidates: [trusted] }, [
      { service: 'imap', host: 'A.example.test', port: 993, transport: 'implicit-tls' },
      { ...trusted, host: 'c.example.test' },
    ])
    expect(next.candidates[0]).toEqual(trusted)
    expect(next.candidates[1]?.trust).toEqual({ level: 'needs-confirmation', reason: 'entered_by_user' })
  })
})
