// SRV discovery (RFC 6186, RFC 8314 §5.1) against the declarative DNS fake.

import { type Candidate, type DiscoveryFetch, DiscoverySchema, discover } from '@mua-sts/setup'
import { dnsZone, srv } from '@mua-sts/testing'
import { describe, expect, it } from 'vitest'

// No document source answers, so only SRV (and guesses, switched off where they would blur) count.
const notFound: DiscoveryFetch = async () => ({ status: 404, body: '', validatedHttps: true })
const srvOnly = { fetch: notFound, sources: { guess: false, mx: false } }
const fromSrv = (candidates: readonly Candidate[]) => candidates.filter((c) => c.source === 'srv')

describe('discover: SRV records', () => {
  it('trusts a target inside the queried domain (srv_target_in_domain)', async () => {
    const zone = dnsZone({ '_imaps._tcp.example.test': { SRV: [srv(0, 1, 993, 'mail.example.test')] } })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates)).toEqual([
      {
        service: 'imap',
        host: 'mail.example.test',
        port: 993,
        transport: 'implicit-tls',
        source: 'srv',
        trust: { level: 'trusted', reason: 'srv_target_in_domain' },
        priority: 0,
      },
    ])
    expect(DiscoverySchema.parse(result)).toEqual(result)
  })

  it('asks the user about a target outside the queried domain (srv_target_outside_domain)', async () => {
    const zone = dnsZone({ '_submissions._tcp.example.test': { SRV: [srv(0, 1, 465, 'smtp.hoster.test')] } })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates)).toMatchObject([
      {
        service: 'submission',
        host: 'smtp.hoster.test',
        transport: 'implicit-tls',
        trust: { level: 'needs-confirmation', reason: 'srv_target_outside_domain' },
      },
    ])
  })

  it('does not treat a look-alike suffix as inside the domain', async () => {
    const zone = dnsZone({ '_imaps._tcp.example.test': { SRV: [srv(0, 1, 993, 'mail.evilexample.test')] } })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates)[0]?.trust.reason).toBe('srv_target_outside_domain')
  })

  it('reports a lone "." target as not offered and proposes nothing for it', async () => {
    const zone = dnsZone({
      '_pop3._tcp.example.test': { SRV: [srv(0, 0, 0, '.')] },
      '_pop3s._tcp.example.test': { SRV: [srv(0, 1, 995, 'mail.example.test')] },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(result.notOffered).toEqual([{ service: 'pop3', transport: 'starttls' }])
    expect(fromSrv(result.candidates).map((c) => `${c.service}:${c.port}`)).toEqual(['pop3:995'])
  })

  it('records NXDOMAIN and NODATA as distinct diagnostics, not as errors', async () => {
    const zone = dnsZone({
      '_imaps._tcp.example.test': { SRV: [srv(0, 1, 993, 'mail.example.test')] },
      // the name exists (it has an MX) but has no SRV: NODATA
      '_submission._tcp.example.test': { MX: [{ exchange: 'x.example.test', priority: 0 }] },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    const codeFor = (label: string) =>
      result.diagnostics.find((d) => d.source === 'srv' && d.target === `${label}.example.test`)?.code
    expect(codeFor('_submission._tcp')).toBe('dns_nodata')
    expect(codeFor('_pop3s._tcp')).toBe('dns_nxdomain')
    expect(result.errors.filter((e) => e.source === 'srv')).toEqual([])
  })

  it('orders by priority, then by weight (highest first), across the implicit-TLS and STARTTLS labels', async () => {
    const zone = dnsZone({
      '_imaps._tcp.example.test': {
        SRV: [
          srv(10, 5, 993, 'a.example.test'),
          srv(0, 1, 993, 'b.example.test'),
          srv(0, 50, 993, 'c.example.test'),
        ],
      },
      '_imap._tcp.example.test': { SRV: [srv(5, 0, 143, 'd.example.test')] },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates).map((c) => `${c.host}:${c.port}:${c.priority}`)).toEqual([
      'c.example.test:993:0',
      'b.example.test:993:1',
      'd.example.test:143:2',
      'a.example.test:993:3',
    ])
  })

  it('prefers Implicit TLS over STARTTLS when SRV priority and weight tie', async () => {
    const zone = dnsZone({
      '_submission._tcp.example.test': { SRV: [srv(0, 1, 587, 'mail.example.test')] },
      '_submissions._tcp.example.test': { SRV: [srv(0, 1, 465, 'mail.example.test')] },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates).map((c) => c.transport)).toEqual(['implicit-tls', 'starttls'])
  })

  it('gives the same answer every time (no weighted random choice)', async () => {
    const zone = dnsZone({
      '_imaps._tcp.example.test': {
        SRV: [
          srv(0, 10, 993, 'x.example.test'),
          srv(0, 10, 993, 'y.example.test'),
          srv(0, 10, 994, 'x.example.test'),
        ],
      },
    })
    const first = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    for (let i = 0; i < 5; i++) {
      expect(await discover('alice@example.test', { ...srvOnly, resolver: zone })).toEqual(first)
    }
  })

  it('queries exactly the six RFC 6186 / RFC 8314 labels under the email domain', async () => {
    const zone = dnsZone({})
    await discover('alice@Example.TEST', { ...srvOnly, resolver: zone })
    expect(zone.calls.map((c) => c.name).sort()).toEqual([
      '_imap._tcp.example.test',
      '_imaps._tcp.example.test',
      '_pop3._tcp.example.test',
      '_pop3s._tcp.example.test',
      '_submission._tcp.example.test',
      '_submissions._tcp.example.test',
    ])
  })

  it('queries the A-label form of an IDN domain', async () => {
    const zone = dnsZone({})
    await discover('jörg@bücher.example', { ...srvOnly, resolver: zone })
    expect(zone.calls.every((c) => c.name.endsWith('.xn--bcher-kva.example'))).toBe(true)
  })

  it('keeps the SRV label when a guess finds the same endpoint', async () => {
    const zone = dnsZone({ '_imaps._tcp.example.test': { SRV: [srv(0, 1, 993, 'imap.example.test')] } })
    const result = await discover('alice@example.test', {
      fetch: notFound,
      resolver: zone,
      sources: { mx: false },
    })
    const matches = result.candidates.filter((c) => c.host === 'imap.example.test' && c.port === 993)
    expect(matches).toHaveLength(1)
    expect(matches[0]).toMatchObject({ source: 'srv', trust: { level: 'trusted' }, priority: 0 })
  })

  it('reports malformed targets and port 0 as errors and keeps the good records', async () => {
    const zone = dnsZone({
      '_imaps._tcp.example.test': {
        SRV: [
          srv(0, 1, 993, 'evil.test/x'),
          srv(0, 1, 0, 'mail.example.test'),
          srv(1, 1, 993, 'mail.example.test'),
        ],
      },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(fromSrv(result.candidates).map((c) => c.host)).toEqual(['mail.example.test'])
    expect(result.errors.filter((e) => e.code === 'dns_malformed')).toHaveLength(2)
  })
})

describe('discover: SRV failures never abort discovery', () => {
  it('records SERVFAIL as an error and still returns the other labels', async () => {
    const zone = dnsZone({
      '_imaps._tcp.example.test': { fail: 'ESERVFAIL' },
      '_submissions._tcp.example.test': { SRV: [srv(0, 1, 465, 'mail.example.test')] },
    })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone })
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'srv', code: 'dns_servfail', target: '_imaps._tcp.example.test' }),
    )
    expect(fromSrv(result.candidates).map((c) => c.port)).toEqual([465])
  })

  it('turns a resolver that never answers into a timeout error for that label', async () => {
    const zone = dnsZone({ '_imaps._tcp.example.test': { fail: 'hang' } })
    const result = await discover('alice@example.test', { ...srvOnly, resolver: zone, timeoutMs: 50 })
    expect(result.errors).toContainEqual(
      expect.objectContaining({ code: 'timeout', target: '_imaps._tcp.example.test' }),
    )
  })

  it('rejects with MUASTS_ERR_ABORTED when the caller aborts', async () => {
    const zone = dnsZone({ '_imaps._tcp.example.test': { fail: 'hang' } })
    const controller = new AbortController()
    const pending = discover('alice@example.test', { ...srvOnly, resolver: zone, signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'MUASTS_ERR_ABORTED' })
  })

  it('rejects an invalid address before any DNS query', async () => {
    const zone = dnsZone({})
    await expect(discover('not-an-address', { resolver: zone })).rejects.toMatchObject({
      code: 'MUASTS_ERR_INVALID_OPTION',
    })
    expect(zone.calls).toEqual([])
  })
})
