// propose() as table tests over synthetic probe results (pure: no sockets). Observations are built
// through core's createObservation, exactly as the transport helpers build them.
import { createObservation, type Observation, type ObservationInput } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Candidate, Discovery, Trust } from '../discover/candidate.js'
import type { ProbeResult } from '../probe/result.js'
import { ProposalSchema } from './proposal.js'
import { propose } from './propose.js'

const NOW = '2026-03-01T09:00:00.000Z'
const TRUSTED: Trust = { level: 'trusted', reason: 'srv_target_in_domain' }
const GUESSED: Trust = { level: 'needs-confirmation', reason: 'guessed' }

type Spec = {
  port: number
  transport?: 'implicit-tls' | 'starttls'
  tls?: string
  trust?: Trust
  priority?: number
}

function cand(s: Spec): Candidate {
  return {
    service: 'imap',
    host: 'mail.example.test',
    port: s.port,
    transport: s.transport ?? 'implicit-tls',
    source: s.trust?.level === 'needs-confirmation' ? 'guess' : 'srv',
    trust: s.trust ?? TRUSTED,
    priority: s.priority ?? 0,
  }
}

function observed(c: Candidate, patch: Partial<ObservationInput> = {}, tls = 'TLSv1.3'): Observation {
  return createObservation({
    service: c.service,
    endpoint: { host: c.host, port: c.port },
    transport: c.transport,
    tls: { version: tls, cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: { chainTrusted: true, expired: false, nameMatch: true, matchedIdentity: c.host },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
    ...patch,
  })
}

const compliant = (c: Candidate, tls = 'TLSv1.3', patch: Partial<ObservationInput> = {}): ProbeResult => ({
  candidate: c,
  status: 'compliant',
  observation: observed(c, patch, tls),
  violations: [],
})

const discoveryOf = (candidates: Candidate[], extra: Partial<Discovery> = {}): Discovery => ({
  domain: 'example.test',
  candidates,
  notOffered: [],
  errors: [],
  diagnostics: [],
  ...extra,
})

function winner(specs: Spec[]): number | undefined {
  const candidates = specs.map(cand)
  const results = specs.map((s, i) => compliant(candidates[i] as Candidate, s.tls ?? 'TLSv1.3'))
  return propose(discoveryOf(candidates), results, { account: 'acct_1', now: NOW }).services[0]?.candidate
    .port
}

describe('propose: ordering of compliant candidates', () => {
  it.each<[string, Spec[], number]>([
    [
      'implicit TLS before STARTTLS',
      [
        { port: 143, transport: 'starttls' },
        { port: 993, priority: 1 },
      ],
      993,
    ],
    [
      'implicit TLS 1.2 before STARTTLS 1.3',
      [
        { port: 143, transport: 'starttls' },
        { port: 993, tls: 'TLSv1.2', priority: 1 },
      ],
      993,
    ],
    [
      'a trusted STARTTLS server before a guessed implicit-TLS one (trust ranks first, #12)',
      [
        { port: 993, trust: GUESSED },
        { port: 143, transport: 'starttls', priority: 1 },
      ],
      143,
    ],
    [
      'a trusted TLS 1.2 server before an untrusted TLS 1.3 one (#12)',
      [
        { port: 9931, trust: GUESSED },
        { port: 9932, tls: 'TLSv1.2', priority: 1 },
      ],
      9932,
    ],
    [
      'TLS 1.3 before TLS 1.2',
      [
        { port: 9931, tls: 'TLSv1.2' },
        { port: 9932, priority: 1 },
      ],
      9932,
    ],
    [
      'trusted before needs-confirmation',
      [
        { port: 9931, trust: GUESSED },
        { port: 9932, priority: 1 },
      ],
      9932,
    ],
    [
      'discovery priority last',
      [
        { port: 9932, priority: 1 },
        { port: 9931, priority: 0 },
      ],
      9931,
    ],
  ])('%s', (_name, specs, expected) => {
    expect(winner(specs)).toBe(expected)
  })

  it('does not depend on the order of the probe results', () => {
    const specs: Spec[] = [
      { port: 143, transport: 'starttls' },
      { port: 9931, tls: 'TLSv1.2', priority: 1 },
      { port: 9932, trust: GUESSED, priority: 2 },
      { port: 9933, priority: 3 },
    ]
    const candidates = specs.map(cand)
    const results = specs.map((s, i) => compliant(candidates[i] as Candidate, s.tls ?? 'TLSv1.3'))
    const expected = propose(discoveryOf(candidates), results, { account: 'acct_1', now: NOW })
    fc.assert(
      fc.property(fc.shuffledSubarray(results, { minLength: results.length }), (shuffled) => {
        expect(propose(discoveryOf(candidates), shuffled, { account: 'acct_1', now: NOW })).toEqual(expected)
      }),
    )
  })
})

describe('propose: what is never proposed', () => {
  const c = cand({ port: 993 })
  it.each<[string, ProbeResult, string]>([
    [
      'a refused probe',
      {
        candidate: c,
        status: 'refused',
        violations: [],
        failure: { code: 'certificate_expired', message: '' },
      },
      'certificate_expired',
    ],
    [
      'a failed probe',
      { candidate: c, status: 'failed', violations: [], failure: { code: 'timeout', message: '' } },
      'timeout',
    ],
    [
      'a "compliant" result whose certificate does not match the host',
      compliant(c, 'TLSv1.3', { certificate: { chainTrusted: true, expired: false, nameMatch: false } }),
      'certificate_host_mismatch',
    ],
    [
      'a "compliant" result over plaintext',
      compliant(c, 'TLSv1.3', { transport: 'plaintext' }),
      'tls_not_established',
    ],
    [
      'a "compliant" result from another port',
      compliant(c, 'TLSv1.3', { endpoint: { host: c.host, port: 994 } }),
      'endpoint_mismatch',
    ],
    ['a "compliant" result on TLS 1.1', compliant(c, 'TLSv1.1'), 'tls_version_below_floor'],
  ])('%s', (_name, result, code) => {
    const proposal = propose(discoveryOf([c]), [result], { account: 'acct_1', now: NOW })
    expect(proposal.services).toEqual([])
    expect(proposal.rejected).toMatchObject([{ code }])
    const reason = result.status === 'failed' ? 'unreachable' : 'none_compliant'
    expect(proposal.missing).toMatchObject([{ service: 'imap', reason }, {}, {}])
  })

  it('rejects TLS 1.2 results when the app asks for a TLS 1.3 floor', () => {
    const a = cand({ port: 9931 })
    const proposal = propose(discoveryOf([a]), [compliant(a, 'TLSv1.2')], {
      account: 'acct_1',
      now: NOW,
      tlsFloor: 'TLSv1.3',
    })
    expect(proposal.services).toEqual([])
    expect(proposal.rejected[0]?.code).toBe('tls_version_below_floor')
  })

  it('ignores results for endpoints the discovery never produced', () => {
    const known = cand({ port: 993 })
    const stranger = cand({ port: 1993 })
    const proposal = propose(discoveryOf([known]), [compliant(stranger)], { account: 'acct_1', now: NOW })
    expect(proposal.services).toEqual([])
    expect(proposal.missing[0]).toMatchObject({ service: 'imap', reason: 'no_candidates' })
  })
})

describe('propose: the commitment and what the user must confirm', () => {
  it('pins TLS 1.2 as the floor even after a TLS 1.3 probe, with setup provenance', () => {
    const c = cand({ port: 993 })
    const [imap] = propose(discoveryOf([c]), [compliant(c)], { account: 'acct_1', now: NOW }).services
    expect(imap?.commitment).toMatchObject({
      account: 'acct_1',
      service: 'imap',
      endpoint: { host: 'mail.example.test', port: 993, transport: 'implicit-tls' },
      tlsFloor: 'TLSv1.2',
      latches: [],
      pins: { spki: [], backup: [] },
    })
    expect(imap?.commitment.provenance['endpoint']?.source).toBe('setup')
    expect(imap?.confirmations).toEqual([])
  })

  it('latches what an authenticated server advertised after TLS, with server provenance', () => {
    const c = cand({ port: 993 })
    const result = compliant(c, 'TLSv1.3', { advertisement: { deep: { tags: ['tls12', 'tls-cert'] } } })
    const [imap] = propose(discoveryOf([c]), [result], { account: 'acct_1', now: NOW }).services
    expect(imap?.commitment.latches).toEqual(['tls-cert', 'tls12'])
    expect(imap?.commitment.provenance['latch:tls12']?.source).toBe('server')
    expect(imap?.learned).toEqual(['latch:tls-cert', 'latch:tls12'])
  })

  it('takes the trust label from the discovery, not from the probe result', () => {
    const discovered = cand({ port: 993, trust: GUESSED })
    const claimed = { ...discovered, trust: TRUSTED, source: 'srv' as const }
    const proposal = propose(discoveryOf([discovered]), [compliant(claimed)], { account: 'acct_1', now: NOW })
    expect(proposal.confirmations.map((x) => x.id)).toEqual(['imap/guessed/mail.example.test:993'])
  })

  it.each([
    ['srv_target_outside_domain', 'srv'],
    ['mx_derived', 'mx-autoconfig'],
    ['guessed', 'guess'],
    ['third_party_source', 'ispdb'],
    ['plain_http_source', 'autoconfig'],
  ] as const)('asks the user to confirm a %s candidate', (reason, source) => {
    const c: Candidate = { ...cand({ port: 993 }), source, trust: { level: 'needs-confirmation', reason } }
    const proposal = propose(discoveryOf([c]), [compliant(c)], { account: 'acct_1', now: NOW })
    expect(proposal.confirmations).toEqual([
      expect.objectContaining({ id: `imap/${reason}/mail.example.test:993`, reason, service: 'imap' }),
    ])
    expect(proposal.explanation.some((line) => line.startsWith('Needs your confirmation:'))).toBe(true)
  })

  it('says which services are missing and why', () => {
    const c = cand({ port: 993 })
    const proposal = propose(
      discoveryOf([c], { notOffered: [{ service: 'pop3', transport: 'starttls' }] }),
      [compliant(c)],
      { account: 'acct_1', now: NOW },
    )
    expect(proposal.missing).toEqual([
      expect.objectContaining({ service: 'pop3', reason: 'not_offered' }),
      expect.objectContaining({ service: 'submission', reason: 'no_candidates' }),
    ])
  })

  it('produces a proposal that passes its own schema and explains itself', () => {
    const a = cand({ port: 993 })
    const b = cand({ port: 143, transport: 'starttls', priority: 1 })
    const refused: ProbeResult = {
      candidate: b,
      status: 'refused',
      violations: [],
      failure: { code: 'starttls_not_offered', message: '' },
    }
    const proposal = propose(discoveryOf([a, b]), [compliant(a), refused], { account: 'acct_1', now: NOW })
    expect(ProposalSchema.parse(proposal)).toEqual(proposal)
    expect(proposal.seal).toMatch(/^hmac-sha256:[A-Za-z0-9_-]{43}$/)
    expect(proposal.explanation[0]).toBe(
      'IMAP: mail.example.test port 993 with implicit TLS, TLS 1.3, certificate valid for mail.example.test.',
    )
    expect(proposal.explanation).toContain(
      'Not used: IMAP mail.example.test port 143 with STARTTLS: The server did not offer STARTTLS; the upgrade may have been stripped on the way.',
    )
  })

  it('explains each security refusal and only counts the unreachable', () => {
    const a = cand({ port: 993 })
    const b = cand({ port: 1993, priority: 1 })
    const c = cand({ port: 2993, priority: 2 })
    const failed = (x: Candidate): ProbeResult => ({
      candidate: x,
      status: 'failed',
      violations: [],
      failure: { code: 'connect_refused', message: '' },
    })
    const expired: ProbeResult = {
      ...failed(a),
      status: 'refused',
      failure: { code: 'certificate_expired', message: '' },
    }
    const proposal = propose(discoveryOf([a, b, c]), [expired, failed(b), failed(c)], {
      account: 'acct_1',
      now: NOW,
    })
    expect(proposal.explanation).toEqual([
      'No IMAP server met the security requirements, so nothing will be set up for IMAP.',
      'No POP3 server was found for example.test.',
      'No SMTP submission server was found for example.test.',
      'Not used: IMAP mail.example.test port 993 with implicit TLS: The certificate has expired.',
      '2 other candidate(s) could not be reached or did not answer properly.',
    ])
  })

  it('refuses invalid options with MUASTS_ERR_INVALID_OPTION', () => {
    const bad = [
      () => propose(discoveryOf([]), [], { account: 'alice@example.test', now: NOW }),
      () => propose(discoveryOf([]), [], { account: 'acct_1', now: 'yesterday' }),
      () => propose(discoveryOf([]), [], { account: 'acct_1', now: NOW, tlsFloor: 'TLSv1.1' as never }),
      () => propose({ domain: 'example.test' } as never, [], { account: 'acct_1', now: NOW }),
    ]
    for (const call of bad) {
      expect(() => call()).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }))
    }
  })
})

describe('propose: an untrusted endpoint only when no trusted one works (#12)', () => {
  const trusted = cand({ port: 993 })
  const guessed = cand({ port: 9993, trust: GUESSED, priority: 1 })
  const expired: ProbeResult = {
    candidate: trusted,
    status: 'refused',
    violations: [],
    failure: { code: 'certificate_expired', message: '' },
  }

  it('says which trusted candidates failed and why, as data and in plain language', () => {
    const proposal = propose(discoveryOf([trusted, guessed]), [expired, compliant(guessed)], {
      account: 'acct_1',
      now: NOW,
    })
    const [imap] = proposal.services
    expect(imap?.candidate.port).toBe(9993)
    expect(imap?.trustedFailures).toEqual([
      {
        candidate: trusted,
        status: 'refused',
        code: 'certificate_expired',
        message: 'The certificate has expired.',
      },
    ])
    expect(proposal.explanation).toContain(
      'Trusted but not working: mail.example.test port 993 with implicit TLS: The certificate has expired.',
    )
    expect(proposal.confirmations.map((c) => c.id)).toEqual(['imap/guessed/mail.example.test:9993'])
  })

  it('names a trusted candidate that was never probed instead of hiding it', () => {
    const proposal = propose(discoveryOf([trusted, guessed]), [compliant(guessed)], {
      account: 'acct_1',
      now: NOW,
    })
    expect(proposal.services[0]?.trustedFailures).toMatchObject([{ candidate: trusted, code: 'not_probed' }])
  })

  it('leaves trustedFailures empty when a trusted endpoint is proposed', () => {
    const proposal = propose(discoveryOf([trusted, guessed]), [compliant(trusted), compliant(guessed)], {
      account: 'acct_1',
      now: NOW,
    })
    expect(proposal.services[0]?.candidate.port).toBe(993)
    expect(proposal.services[0]?.trustedFailures).toEqual([])
    expect(proposal.confirmations).toEqual([])
  })
})
