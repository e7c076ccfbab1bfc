// fast-check arbitraries for commitments and observations (used by property tests here and in store).
// Kept out of the runtime entry point; fast-check is a dev dependency of the workspace root.
import fc from 'fast-check'
import type { Commitment, Provenance } from '../model/commitment.js'
import { createObservation, type Observation } from '../model/observation.js'
import { OTHER_SPKI, SAMPLE_SPKI } from './fixtures.js'

const TIMES = ['2025-01-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']

/** A third well-formed SPKI hash, so that pin sets can overlap partly. */
export const THIRD_SPKI = 'Yl9tQ6V3C0k8Ww2cF1aP7xR4nB5mJ6hD9gS0eT2uI3o='
/** The keys arbCommitment pins from, and the keys arbObservation presents (plus one never pinned). */
export const PIN_KEYS = [SAMPLE_SPKI, OTHER_SPKI, THIRD_SPKI] as const
export const UNPINNED_SPKI = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

/** Status URLs a stored commitment may hold: in scope of imap.example.net / example.net, and legacy ones. */
export const STORED_STATUS_URLS = [
  'https://status.example.net/s',
  'https://example.net/help',
  'https://a.example/s',
  'https://b.example/s',
] as const
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
      // Disjoint primary and backup lists: the normal form createCommitment and merge produce.
      spki: sortedSubset([...PIN_KEYS]),
      backup: sortedSubset([...PIN_KEYS]),
      pinProvenance: provenance,
      domain: fc.option(fc.constant('example.net'), { nil: undefined }),
      url: fc.option(
        fc.record({ url: fc.constantFrom(...STORED_STATUS_URLS), seenAt: fc.constantFrom(...TIMES) }),
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
        pins: { spki: r.spki, backup: r.backup.filter((k) => !r.spki.includes(k)) },
        provenance: {},
      }
      const prov: Record<string, Provenance> = { ...r.provenance }
      for (const k of [...c.pins.spki, ...c.pins.backup]) prov[`pin:${k}`] = r.pinProvenance
      c.provenance = Object.fromEntries(Object.entries(prov).sort(([a], [b]) => (a < b ? -1 : 1)))
      if (r.domain !== undefined) c.domain = r.domain
      if (r.url !== undefined) c.statusUrl = r.url
      return c
    })
}

/** Status URLs a server may advertise: in and out of imap.example.net's scope, and malformed ones. */
export const OBSERVED_STATUS_URLS = [
  'https://status.example.net/x',
  'https://imap.example.net/y',
  'https://s.example/x',
  'http://plain.example/x',
  'https://example.net@evil.test/',
  'https://example.net.evil.test/',
] as const

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
      spki: fc.constantFrom(...PIN_KEYS, UNPINNED_SPKI),
      dane: fc.option(fc.constantFrom('valid' as const, 'invalid' as const, 'no-records' as const), {
        nil: undefined,
      }),
      tags: sortedSubset(['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa', 'x-new']),
      url: fc.option(fc.constantFrom(...OBSERVED_STATUS_URLS), { nil: undefined }),
      stsUrl: fc.option(fc.constantFrom(...OBSERVED_STATUS_URLS), { nil: undefined }),
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
            ...(r.stsUrl === undefined ? {} : { stsUrl: r.stsUrl }),
            ...(r.tlsVersion === undefined ? {} : { tlsVersion: r.tlsVersion }),
            ...(r.tlsCert === undefined ? {} : { tlsCert: r.tlsCert }),
          },
        },
        anomalies: r.anomaly === undefined ? [] : [r.anomaly],
      })
    })
}
