// fast-check arbitraries for commitments and observations (used by property tests here and in store).
// Kept out of the runtime entry point; fast-check is a dev dependency of the workspace root.
import fc from 'fast-check'
import type { Commitment, Provenance } from '../model/commitment.js'
import { createObservation, type Observation } from '../model/observation.js'
import { OTHER_SPKI, SAMPLE_SPKI } from './fixtures.js'

const TIMES = ['2025-01-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']
const provenance: fc.Arbitrary<Provenance> = fc.record({
  source: fc.constantFrom('server', 'setup', 'policy'),
  firstSeen: fc.constantFrom(...TIMES),
  lastConfirmed: fc.constantFrom(...TIMES),
})
const sortedSubset = (xs: string[]) => fc.subarray(xs).map((a) => [...a].sort())

export function arbCommitment(
  account = 'acct_1',
  service: Commitment['service'] = 'imap',
): fc.Arbitrary<Commitment> {
  return fc
    .record({
      // One host per account, one port per transport: the endpoints a join may reconcile.
      endpoint: fc.constantFrom('starttls' as const, 'implicit-tls' as const).map((transport) => ({
        host: 'imap.example.net',
        port: transport === 'starttls' ? 143 : 993,
        transport,
      })),
      tlsFloor: fc.constantFrom('TLSv1.2' as const, 'TLSv1.3' as const),
      latches: sortedSubset(['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa', 'x-ext']),
      tlsVersion: fc.option(fc.constantFrom('1.1' as const, '1.2' as const, '1.3' as const), {
        nil: undefined,
      }),
      tlsCert: fc.option(
        fc.constantFrom('any' as const, 'pkix' as const, 'dane' as const, 'pkix+dane' as const),
        { nil: undefined },
      ),
      spki: sortedSubset([SAMPLE_SPKI, OTHER_SPKI]),
      backup: sortedSubset([OTHER_SPKI]),
      url: fc.option(
        fc.record({
          url: fc.constantFrom('https://a.example/s', 'https://b.example/s'),
          seenAt: fc.constantFrom(...TIMES),
        }),
        { nil: undefined },
      ),
      provenance: fc.dictionary(
        fc.constantFrom('endpoint', 'tlsFloor', 'latch:tls12', 'statusUrl'),
        provenance,
      ),
    })
    .map((r) => {
      const c: Commitment = {
        format: 'mua-sts/commitment',
        version: 1,
        account,
        service,
        endpoint: r.endpoint,
        minLevel: 'high',
        tlsFloor: r.tlsFloor,
        latches: r.latches,
        directives: {
          ...(r.tlsVersion === undefined ? {} : { tlsVersion: r.tlsVersion }),
          ...(r.tlsCert === undefined ? {} : { tlsCert: r.tlsCert }),
        },
        pins: { spki: r.spki, backup: r.backup },
        provenance: Object.fromEntries(Object.entries(r.provenance).sort(([a], [b]) => (a < b ? -1 : 1))),
      }
      if (r.url !== undefined) c.statusUrl = r.url
      return c
    })
}

/** Observations of arbitrary quality, including pre-TLS and unauthenticated ones. */
export function arbObservation(): fc.Arbitrary<Observation> {
  return fc
    .record({
      host: fc.constantFrom('imap.example.net', 'mail.example.net'),
      port: fc.constantFrom(143, 993),
      transport: fc.constantFrom('plaintext' as const, 'starttls' as const, 'implicit-tls' as const),
      version: fc.constantFrom('TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'),
      bits: fc.constantFrom(0, 112, 128, 256),
      chainTrusted: fc.boolean(),
      expired: fc.boolean(),
      nameMatch: fc.constantFrom(true, false, null),
      spki: fc.constantFrom(SAMPLE_SPKI, OTHER_SPKI),
      dane: fc.option(fc.constantFrom('valid' as const, 'invalid' as const, 'no-records' as const), {
        nil: undefined,
      }),
      tags: sortedSubset(['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa', 'x-new']),
      url: fc.option(fc.constantFrom('https://s.example/x', 'http://plain.example/x'), { nil: undefined }),
      tlsVersion: fc.option(fc.constantFrom('1.1' as const, '1.2' as const, '1.3' as const), {
        nil: undefined,
      }),
      tlsCert: fc.option(
        fc.constantFrom('any' as const, 'pkix' as const, 'dane' as const, 'pkix+dane' as const),
        { nil: undefined },
      ),
      anomaly: fc.option(fc.constantFrom('starttls_not_offered' as const, 'bytes_after_starttls' as const), {
        nil: undefined,
      }),
    })
    .map((r) => {
      const tlsUp = r.transport !== 'plaintext'
      return createObservation({
        service: 'imap',
        endpoint: { host: r.host, port: r.port },
        transport: r.transport,
        ...(tlsUp
          ? {
              tls: { version: r.version, cipher: 'TLS_AES_128_GCM_SHA256', cipherBits: r.bits },
              certificate: {
                chainTrusted: r.chainTrusted,
                expired: r.expired,
                nameMatch: r.nameMatch,
                spkiSha256: r.spki,
              },
            }
          : {}),
        ...(r.dane === undefined ? {} : { dane: { status: r.dane } }),
        capsBeforeTls: [],
        capsAfterTls: [],
        advertisement: {
          deep: { tags: r.tags, ...(r.url === undefined ? {} : { url: r.url }) },
          sts: {
            ...(r.tlsVersion === undefined ? {} : { tlsVersion: r.tlsVersion }),
            ...(r.tlsCert === undefined ? {} : { tlsCert: r.tlsCert }),
          },
        },
        anomalies: r.anomaly === undefined ? [] : [r.anomaly],
      })
    })
}
