// The per-certificate memo under the matcher (#15 benchmark): a hit must give exactly what a fresh parse
// gives, must never stand in for other bytes, and must not carry anything a connection decides (time,
// names, PKIX verdict) from one match to the next.
import { createHash, X509Certificate } from 'node:crypto'
import * as fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  EXPIRED,
  issue,
  privateHierarchy,
  selfSigned,
  type TestCert,
} from '../../../test/dane/support/chains.js'
import { type CertFacts, CertFactsCache, MAX_MEMO_DER } from './cert-facts.js'
import { spkiOfCertificate } from './spki-of-cert.js'
import { tlsaRecordFor } from './tlsa-for-cert.js'
import { type MatchContext, matchTlsa } from './tlsa-match.js'

const HOST = 'mail.example.test'
const ctx = (over: Partial<MatchContext> = {}): MatchContext => ({
  referenceNames: [HOST],
  pkixValid: true,
  now: new Date('2030-06-01T00:00:00Z'),
  ...over,
})

let self: TestCert
let h: Awaited<ReturnType<typeof privateHierarchy>>
let forged: TestCert
let shortLived: TestCert

beforeAll(async () => {
  self = await selfSigned([HOST])
  h = await privateHierarchy([HOST])
  // Claims the intermediate as issuer but is signed by another key: checkIssued passes, verify fails.
  forged = await issue(h.intermediate, HOST, { names: [HOST], signWith: self.keys })
  shortLived = await issue(h.intermediate, HOST, { names: [HOST], validity: EXPIRED })
})

describe('CertFactsCache', () => {
  it('returns one entry for equal bytes in different buffers, and keeps its own copy of them', () => {
    const cache = new CertFactsCache()
    const mine = Uint8Array.from(self.der)
    const a = cache.get(mine)
    const b = cache.get(Uint8Array.from(self.der))
    expect(a).toBeDefined()
    expect(b).toBe(a)
    mine.fill(0)
    expect(Buffer.from(a?.der ?? []).equals(self.der)).toBe(true)
    expect(Buffer.from(a?.x509.raw ?? []).equals(self.der)).toBe(true)
  })

  it('gives the association data a fresh computation gives, for every selector and matching type', () => {
    const cache = new CertFactsCache()
    const certs = [self, h.leaf, h.intermediate, h.root]
    fc.assert(
      fc.property(
        fc.constantFrom(...certs),
        fc.constantFrom(0, 1),
        fc.constantFrom(0, 1, 2),
        (c, selector, matchingType) => {
          const fresh = tlsaRecordFor(c.der, 3, selector, matchingType).data
          const memo = cache.get(c.der)?.associationData(selector, matchingType)
          expect(Buffer.from(memo ?? []).equals(fresh)).toBe(true)
        },
      ),
    )
    const spki = spkiOfCertificate(self.der) ?? new Uint8Array()
    const sha = createHash('sha256').update(spki).digest()
    expect(Buffer.from(cache.get(self.der)?.associationData(1, 1) ?? []).equals(sha)).toBe(true)
  })

  it('never answers for other bytes: a corrupted certificate is either refused or parsed as itself', () => {
    const cache = new CertFactsCache()
    cache.get(self.der)
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(self.der.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const der = Uint8Array.from(self.der)
          for (const [at, value] of edits) der[at] = value
          const before = cache.size
          const facts = cache.get(der)
          if (facts === undefined) {
            expect(() => new X509Certificate(der)).toThrow()
            expect(cache.size).toBe(before) // garbage is never kept
          } else {
            expect(Buffer.from(facts.der).equals(der)).toBe(true)
            // What a fresh parse of these bytes gives. Not the bytes themselves: OpenSSL keeps its own
            // copy of what it parsed, and re-encodes some of it (see the BIT STRING test below).
            expect(Buffer.from(facts.x509.raw).equals(new X509Certificate(der).raw)).toBe(true)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('hashes the bytes the server sent, not OpenSSL’s re-encoding of them (selector 0, RFC 6698 §2.1.2)', () => {
    // The signature is the certificate's last element, a BIT STRING (short-form length for ECDSA).
    // Claiming one unused bit while the last octet is odd makes OpenSSL clear that bit in its copy
    // (X.690 §11.2.1), so x509.raw is no longer what was sent; found by the property test above.
    const der = Uint8Array.from(self.der)
    const at = der.findIndex((b, i) => b === 0x03 && i + 2 + (der[i + 1] ?? 0) === der.length)
    expect(der[at + 2]).toBe(0) // no unused bits, as encoded
    der[at + 2] = 1
    der[der.length - 1] = (der[der.length - 1] ?? 0) | 1
    const facts = new CertFactsCache().get(der)
    expect(facts).toBeDefined()
    expect(Buffer.from(facts?.der ?? []).equals(der)).toBe(true)
    expect(Buffer.from(facts?.x509.raw ?? []).equals(der)).toBe(false)
    const sent = createHash('sha256').update(der).digest()
    expect(Buffer.from(facts?.associationData(0, 1) ?? []).equals(sent)).toBe(true)
  })

  it('is a bounded LRU: the least recently used entry goes first', () => {
    const cache = new CertFactsCache(2)
    const leaf = cache.get(h.leaf.der)
    const intermediate = cache.get(h.intermediate.der)
    expect(cache.get(h.leaf.der)).toBe(leaf) // now the most recently used
    cache.get(h.root.der) // evicts the intermediate
    expect(cache.size).toBe(2)
    expect(cache.get(h.leaf.der)).toBe(leaf)
    const reparsed = cache.get(h.intermediate.der)
    expect(reparsed).toBeDefined()
    expect(reparsed).not.toBe(intermediate)
    expect(cache.size).toBe(2)
  })

  it(`parses a certificate over ${MAX_MEMO_DER} bytes every time instead of keeping it`, async () => {
    const names = Array.from({ length: 700 }, (_, i) => `host-${i}-with-a-long-label.example.test`)
    const big = await selfSigned(names)
    expect(big.der.length).toBeGreaterThan(MAX_MEMO_DER)
    const cache = new CertFactsCache()
    const first = cache.get(big.der)
    expect(Buffer.from(first?.associationData(0, 1) ?? []).equals(tlsaRecordFor(big.der, 3, 0, 1).data)).toBe(
      true,
    )
    expect(cache.size).toBe(0)
    expect(cache.get(big.der)).not.toBe(first)
  })

  it('remembers who signed a certificate, and a forged link stays refused', () => {
    const cache = new CertFactsCache()
    const facts = (c: TestCert): CertFacts => {
      const f = cache.get(c.der)
      if (f === undefined) throw new Error('test certificate did not parse')
      return f
    }
    const [leaf, intermediate, root, fake] = [h.leaf, h.intermediate, h.root, forged].map(facts)
    for (let i = 0; i < 2; i++) {
      expect(leaf?.signedBy(facts(h.intermediate))).toBe(true)
      expect(intermediate?.signedBy(facts(h.root))).toBe(true)
      expect(fake?.signedBy(facts(h.intermediate))).toBe(false)
      expect(leaf?.signedBy(facts(h.root))).toBe(false) // the root did not sign the leaf
      expect(root?.signedBy(facts(h.leaf))).toBe(false) // a leaf is no CA
    }
  })
})

describe('matchTlsa() through the memo', () => {
  it('judges time, names and the PKIX verdict afresh on every call, after a hit as before it', () => {
    const chain = [h.leaf.der, h.intermediate.der, h.root.der]
    const ta = tlsaRecordFor(h.root.der, 2, 0, 1)
    const pkixEe = tlsaRecordFor(h.leaf.der, 1, 1, 1)
    for (let i = 0; i < 2; i++) {
      expect(matchTlsa([ta], chain, ctx())).toMatchObject({ ok: true, depth: 2 })
      expect(matchTlsa([ta], chain, ctx({ now: new Date('2050-01-01T00:00:00Z') }))).toEqual({
        ok: false,
        failure: 'expired',
      })
      expect(matchTlsa([ta], chain, ctx({ referenceNames: ['other.example.test'] }))).toEqual({
        ok: false,
        failure: 'name-mismatch',
      })
      expect(matchTlsa([pkixEe], chain, ctx())).toMatchObject({ ok: true, depth: 0 })
      expect(matchTlsa([pkixEe], chain, ctx({ pkixValid: false }))).toEqual({
        ok: false,
        failure: 'pkix-invalid',
      })
    }
  })

  it('refuses a forged or expired link of a chain it has already accepted', () => {
    const ta = tlsaRecordFor(h.root.der, 2, 0, 1)
    expect(matchTlsa([ta], [h.leaf.der, h.intermediate.der, h.root.der], ctx()).ok).toBe(true)
    expect(matchTlsa([ta], [forged.der, h.intermediate.der, h.root.der], ctx())).toEqual({
      ok: false,
      failure: 'chain-invalid',
    })
    expect(matchTlsa([ta], [shortLived.der, h.intermediate.der, h.root.der], ctx())).toEqual({
      ok: false,
      failure: 'expired',
    })
  })

  it('still refuses a chain with an unparseable certificate, even when the leaf matches', () => {
    const ee = tlsaRecordFor(self.der)
    expect(matchTlsa([ee], [self.der], ctx()).ok).toBe(true)
    expect(matchTlsa([ee], [self.der, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)], ctx())).toEqual({
      ok: false,
      failure: 'bad-chain',
    })
  })

  it('matches a full trust anchor published in DNS (2 0 0) on repeat calls, not an impostor', () => {
    const anchor = tlsaRecordFor(h.intermediate.der, 2, 0, 0)
    for (let i = 0; i < 2; i++) {
      expect(matchTlsa([anchor], [h.leaf.der], ctx())).toMatchObject({ ok: true })
      expect(matchTlsa([anchor], [forged.der], ctx()).ok).toBe(false)
    }
  })
})
