// The matcher against real certificates (RFC 6698 §2.1, RFC 7671 §5): every usage, selector and
// matching type, DANE-TA path verification, and the chains it must refuse.

import { X509Certificate } from 'node:crypto'
import {
  type MatchContext,
  matchTlsa,
  spkiOfCertificate,
  type TlsaRecord,
  tlsaRecordFor,
} from '@mua-sts/dane'
import * as fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { EXPIRED, issue, privateHierarchy, rootCa, selfSigned, type TestCert } from './support/chains.js'

const HOST = 'mail.example.test'
const ctx = (over: Partial<MatchContext> = {}): MatchContext => ({
  referenceNames: [HOST],
  pkixValid: false,
  now: new Date('2030-06-01T00:00:00Z'),
  ...over,
})

let self: TestCert
let expiredSelf: TestCert
let h: Awaited<ReturnType<typeof privateHierarchy>>
let otherRoot: TestCert
let chain: Uint8Array[]

beforeAll(async () => {
  self = await selfSigned([HOST])
  expiredSelf = await selfSigned(['wrong.example.invalid'], EXPIRED)
  h = await privateHierarchy([HOST])
  otherRoot = await rootCa('someone else')
  chain = [h.leaf.der, h.intermediate.der, h.root.der]
})

describe('spkiOfCertificate()', () => {
  it('cuts out exactly the bytes Node exports for the key', () => {
    for (const c of [self, h.leaf, h.root]) {
      const node = new X509Certificate(c.der).publicKey.export({ type: 'spki', format: 'der' })
      expect(Buffer.from(spkiOfCertificate(c.der) ?? []).equals(node)).toBe(true)
    }
  })

  it('never throws on a corrupted certificate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(self.der.length - 1), fc.nat(255)), { maxLength: 4 }),
        fc.nat(self.der.length),
        (edits, cut) => {
          const der = Uint8Array.from(self.der)
          for (const [at, v] of edits) der[at] = v
          const spki = spkiOfCertificate(der.subarray(0, cut))
          if (spki !== undefined) expect(spki.length).toBeLessThan(cut)
        },
      ),
    )
  })
})

describe('DANE-EE (usage 3)', () => {
  it.each([
    [1, 1],
    [1, 2],
    [1, 0],
    [0, 1],
    [0, 2],
    [0, 0],
  ])('matches a self-signed certificate with selector %d, matching type %d', (selector, type) => {
    const r = matchTlsa([tlsaRecordFor(self.der, 3, selector, type)], [self.der], ctx())
    expect(r).toMatchObject({ ok: true, depth: 0 })
  })

  it('ignores names and validity dates (RFC 7671 §5.1)', () => {
    expect(matchTlsa([tlsaRecordFor(expiredSelf.der)], [expiredSelf.der], ctx()).ok).toBe(true)
  })

  it('does not match another key', () => {
    expect(matchTlsa([tlsaRecordFor(self.der)], [h.leaf.der], ctx())).toEqual({
      ok: false,
      failure: 'no-match',
    })
  })

  it('only matches the leaf, never a CA further up the chain', () => {
    expect(matchTlsa([tlsaRecordFor(h.intermediate.der, 3)], chain, ctx()).ok).toBe(false)
  })

  it('passes when either record of a rollover matches', () => {
    const records = [tlsaRecordFor(self.der), tlsaRecordFor(h.leaf.der)]
    expect(matchTlsa(records, [self.der], ctx()).ok).toBe(true)
    expect(matchTlsa(records, [h.leaf.der, h.intermediate.der], ctx()).ok).toBe(true)
  })

  it('ignores a matching SHA2-256 record when a SHA2-512 record exists for the same usage and selector (RFC 7671 §9)', () => {
    const strongOther = tlsaRecordFor(h.leaf.der, 3, 1, 2)
    expect(matchTlsa([tlsaRecordFor(self.der, 3, 1, 1), strongOther], [self.der], ctx()).ok).toBe(false)
    expect(
      matchTlsa([tlsaRecordFor(self.der, 3, 1, 2), tlsaRecordFor(h.leaf.der, 3, 1, 1)], [self.der], ctx()).ok,
    ).toBe(true)
  })
})

describe('DANE-TA (usage 2)', () => {
  it.each([
    ['2 0 1 on the private root', () => tlsaRecordFor(h.root.der, 2, 0, 1), 2],
    ['2 1 1 on the private root', () => tlsaRecordFor(h.root.der, 2, 1, 1), 2],
    ['2 0 2 on the intermediate', () => tlsaRecordFor(h.intermediate.der, 2, 0, 2), 1],
  ])('matches %s when the path verifies and the leaf carries the name', (_label, record, depth) => {
    expect(matchTlsa([record()], chain, ctx())).toMatchObject({ ok: true, depth })
  })

  it('accepts a full TA certificate (2 0 0) or key (2 1 0) published in DNS that the server did not send', () => {
    const sent = [h.leaf.der, h.intermediate.der]
    expect(matchTlsa([tlsaRecordFor(h.root.der, 2, 0, 0)], sent, ctx()).ok).toBe(true)
    expect(matchTlsa([tlsaRecordFor(h.root.der, 2, 1, 0)], sent, ctx()).ok).toBe(true)
    expect(matchTlsa([tlsaRecordFor(otherRoot.der, 2, 0, 0)], sent, ctx()).ok).toBe(false)
  })

  it('refuses a digest TA that the server did not send (RFC 7671 §5.2.2)', () => {
    const r = matchTlsa([tlsaRecordFor(h.root.der, 2, 0, 1)], [h.leaf.der, h.intermediate.der], ctx())
    expect(r).toEqual({ ok: false, failure: 'no-match' })
  })

  it('refuses when the leaf does not carry a reference name', () => {
    const r = matchTlsa(
      [tlsaRecordFor(h.root.der, 2, 0, 1)],
      chain,
      ctx({ referenceNames: ['imap.example.test'] }),
    )
    expect(r).toEqual({ ok: false, failure: 'name-mismatch' })
  })

  it('refuses a chain that names the TA but was not signed by it', async () => {
    const forged = await issue(h.intermediate, HOST, { names: [HOST], signWith: otherRoot.keys })
    const r = matchTlsa(
      [tlsaRecordFor(h.root.der, 2, 0, 1)],
      [forged.der, h.intermediate.der, h.root.der],
      ctx(),
    )
    expect(r).toEqual({ ok: false, failure: 'chain-invalid' })
  })

  it('refuses a path through an issuer that is not a CA', async () => {
    const notCa = await issue(h.root, 'not a ca')
    const leaf = await issue(notCa, HOST, { names: [HOST] })
    const r = matchTlsa([tlsaRecordFor(h.root.der, 2, 0, 1)], [leaf.der, notCa.der, h.root.der], ctx())
    expect(r).toEqual({ ok: false, failure: 'chain-invalid' })
  })

  it('refuses an expired leaf under the TA', async () => {
    const old = await issue(h.intermediate, HOST, { names: [HOST], validity: EXPIRED })
    const r = matchTlsa(
      [tlsaRecordFor(h.root.der, 2, 0, 1)],
      [old.der, h.intermediate.der, h.root.der],
      ctx(),
    )
    expect(r).toEqual({ ok: false, failure: 'expired' })
  })

  it('does not let a self-signed leaf act as its own TA', () => {
    expect(matchTlsa([tlsaRecordFor(self.der, 2, 0, 1)], [self.der], ctx()).ok).toBe(false)
  })
})

describe('PKIX-TA / PKIX-EE (usages 0 and 1)', () => {
  it('match only together with a valid PKIX verdict', () => {
    for (const record of [tlsaRecordFor(h.leaf.der, 1), tlsaRecordFor(h.root.der, 0, 0, 1)]) {
      expect(matchTlsa([record], chain, ctx({ pkixValid: false }))).toEqual({
        ok: false,
        failure: 'pkix-invalid',
      })
      expect(matchTlsa([record], chain, ctx({ pkixValid: true })).ok).toBe(true)
    }
  })
})

describe('unusable input', () => {
  it('says no-usable-records when every record is unusable', () => {
    const unknown: TlsaRecord = { ...tlsaRecordFor(self.der), usage: 4 }
    const short: TlsaRecord = { ...tlsaRecordFor(self.der), data: new Uint8Array(31) }
    expect(matchTlsa([unknown, short], [self.der], ctx())).toEqual({
      ok: false,
      failure: 'no-usable-records',
    })
  })

  it('says bad-chain for an empty, overlong or unparseable chain', () => {
    const r = [tlsaRecordFor(self.der)]
    expect(matchTlsa(r, [], ctx())).toEqual({ ok: false, failure: 'bad-chain' })
    expect(matchTlsa(r, new Array(11).fill(self.der), ctx())).toEqual({ ok: false, failure: 'bad-chain' })
    expect(matchTlsa(r, [Uint8Array.of(0x30, 0)], ctx())).toEqual({ ok: false, failure: 'bad-chain' })
  })

  it('never matches a record whose data was altered, and never throws', () => {
    const good = tlsaRecordFor(self.der, 3, 0, 0)
    fc.assert(
      fc.property(
        fc.constantFrom(
          tlsaRecordFor(self.der),
          tlsaRecordFor(self.der, 3, 0, 2),
          good,
          tlsaRecordFor(h.root.der, 2, 0, 0),
        ),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (record, at, flip) => {
          const data = Uint8Array.from(record.data)
          const i = at % data.length
          data[i] = (data[i] as number) ^ flip
          const r = matchTlsa([{ ...record, data }], [...chain.slice(0, 2), self.der], ctx())
          if (record.usage === 3) expect(r.ok).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('never throws for arbitrary records against a real chain', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            usage: fc.integer({ min: 0, max: 5 }),
            selector: fc.integer({ min: 0, max: 2 }),
            matchingType: fc.integer({ min: 0, max: 3 }),
            data: fc.uint8Array({ maxLength: 80 }),
          }),
          { maxLength: 5 },
        ),
        fc.boolean(),
        (records, pkixValid) => {
          expect(matchTlsa(records, chain, ctx({ pkixValid })).ok).toBe(false)
        },
      ),
      { numRuns: 300 },
    )
  })
})
