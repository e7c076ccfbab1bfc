// DNSSEC against a real validating resolver: Unbound on loopback with a zone signed at test time.
// The AD bit is what makes an out-of-domain SRV target trustworthy (RFC 8314 §5.1); a record
// edited after signing must make the resolver answer SERVFAIL and discovery refuse it.
import { Resolver } from 'node:dns/promises'
import { type DiscoverOptions, type DiscoveryFetch, discover } from '@mua-sts/setup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryValidated } from '../../packages/setup/src/discover/dnssec-query.js'
import { requireOrSkip } from '../support/availability.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'

const notFound: DiscoveryFetch = async () => ({ status: 404, body: '', validatedHttps: true })

const ZONE = {
  origin: 'example.test',
  records: [
    'mail IN A 127.0.0.1',
    '_imaps._tcp IN SRV 0 1 993 mail.example.test.',
    // outside the queried domain: only DNSSEC can make this trusted
    '_submissions._tcp IN SRV 0 1 465 smtp.hoster.test.',
    '_pop3._tcp IN SRV 0 0 0 .',
    '_pop3s._tcp IN SRV 0 1 995 mail.example.test.',
  ],
  // RRSIG still covers port 995; the answer now says 9995.
  tamper: (signed: string) =>
    signed.replace(/(_pop3s\._tcp\.example\.test\.\s+\d+\s+IN\s+SRV\s+0 1 )995/, '$19995'),
}

describe.skipIf(!requireOrSkip(unboundAvailable(), 'unbound'))(
  'discover with a validating resolver (Unbound)',
  () => {
    let unbound: UnboundHandle
    beforeAll(async () => {
      unbound = await startUnbound(ZONE)
    })
    afterAll(async () => {
      await unbound?.stop()
    })

    // SRV from the validating resolver; MX through node:dns pointed at the same Unbound.
    function options(extra: Partial<DiscoverOptions> = {}): DiscoverOptions {
      const plain = new Resolver({ timeout: 2000, tries: 1 })
      plain.setServers([unbound.server])
      return {
        dnssec: { server: unbound.server },
        resolver: { resolveSrv: (n) => plain.resolveSrv(n), resolveMx: (n) => plain.resolveMx(n) },
        fetch: notFound,
        sources: { guess: false },
        ...extra,
      }
    }

    it('really validates: the resolver sets AD on signed answers and SERVFAILs the tampered one', async () => {
      const signal = AbortSignal.timeout(5000)
      const server = { host: '127.0.0.1', port: unbound.port }
      expect(await queryValidated(server, '_imaps._tcp.example.test', 'SRV', signal)).toMatchObject({
        rcode: 'NOERROR',
        ad: true,
        records: [{ target: 'mail.example.test', port: 993 }],
      })
      expect(await queryValidated(server, '_pop3s._tcp.example.test', 'SRV', signal)).toMatchObject({
        rcode: 'SERVFAIL',
        ad: false,
      })
      expect(unbound.log()).toMatch(/validation failure <_pop3s\._tcp\.example\.test\. SRV IN>/)
    })

    it('labels DNSSEC-validated SRV answers trusted (dnssec_validated), even for an out-of-domain target', async () => {
      const result = await discover('alice@example.test', options())
      const srv = result.candidates.filter((c) => c.source === 'srv')
      expect(srv.map((c) => [c.service, c.host, c.port, c.trust.level, c.trust.reason])).toEqual([
        ['imap', 'mail.example.test', 993, 'trusted', 'dnssec_validated'],
        ['submission', 'smtp.hoster.test', 465, 'trusted', 'dnssec_validated'],
      ])
    })

    it('refuses a tampered SRV record: dnssec_invalid error and no candidate from it', async () => {
      const result = await discover('alice@example.test', options())
      expect(result.errors).toContainEqual(
        expect.objectContaining({
          source: 'srv',
          code: 'dnssec_invalid',
          target: '_pop3s._tcp.example.test',
        }),
      )
      expect(
        result.candidates.some((c) => c.port === 9995 || (c.service === 'pop3' && c.source === 'srv')),
      ).toBe(false)
    })

    it('honours a validated "." target as not offered', async () => {
      const result = await discover('alice@example.test', options())
      expect(result.notOffered).toEqual([{ service: 'pop3', transport: 'starttls' }])
    })

    it('records validated NXDOMAIN as a diagnostic', async () => {
      const result = await discover('alice@example.test', options())
      expect(result.diagnostics).toContainEqual(
        expect.objectContaining({ source: 'srv', code: 'dns_nxdomain', target: '_imap._tcp.example.test' }),
      )
    })

    it('without the AD bit, the same out-of-domain target needs confirmation', async () => {
      const { dnssec: _unused, ...withoutDnssec } = options()
      const result = await discover('alice@example.test', withoutDnssec)
      const submission = result.candidates.find((c) => c.source === 'srv' && c.service === 'submission')
      expect(submission?.trust).toEqual({ level: 'needs-confirmation', reason: 'srv_target_outside_domain' })
      // node:dns sees the bogus record as SERVFAIL too: it is never proposed
      expect(result.candidates.some((c) => c.port === 9995)).toBe(false)
      expect(result.errors).toContainEqual(
        expect.objectContaining({ code: 'dns_servfail', target: '_pop3s._tcp.example.test' }),
      )
    })
  },
)
