import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type DnsResponse, Rcode, type ResourceRecord, RrType } from './dns-wire.js'
import { classifyTlsaAnswer } from './tlsa-answer.js'

const NAME = '_993._tcp.mail.example.test'
const tlsa = (name = NAME, data = [3, 1, 1, ...new Array(32).fill(7)]): ResourceRecord => ({
  name,
  type: RrType.TLSA,
  class: 1,
  ttl: 300,
  rdata: Uint8Array.from(data),
})
const rrsig = (name: string, covered: number): ResourceRecord => ({
  name,
  type: RrType.RRSIG,
  class: 1,
  ttl: 300,
  rdata: Uint8Array.of(covered >> 8, covered & 0xff, 13, 4),
})
const cname = (name: string, target: string): ResourceRecord => ({
  name,
  type: RrType.CNAME,
  class: 1,
  ttl: 300,
  rdata: new Uint8Array(),
  target,
})
const soa = (name = 'example.test'): ResourceRecord => ({
  name,
  type: RrType.SOA,
  class: 1,
  ttl: 300,
  rdata: new Uint8Array(20),
})

function answer(r: Partial<DnsResponse>): DnsResponse {
  return {
    id: 1,
    rcode: Rcode.NOERROR,
    truncated: false,
    ad: false,
    question: undefined,
    answers: [],
    authorities: [],
    ...r,
  }
}

describe('classifyTlsaAnswer()', () => {
  it('is secure with the records when AD is set and TLSA records answer', () => {
    const r = classifyTlsaAnswer(NAME, answer({ ad: true, answers: [tlsa(), rrsig(NAME, RrType.TLSA)] }))
    expect(r).toMatchObject({ status: 'secure', owner: NAME })
    expect(r.status === 'secure' && r.records).toHaveLength(1)
  })

  it('is no-records for an authenticated NXDOMAIN or NODATA (secure denial)', () => {
    const denial = [soa(), rrsig('example.test', RrType.SOA), rrsig('x.example.test', RrType.NSEC)]
    expect(
      classifyTlsaAnswer(NAME, answer({ ad: true, rcode: Rcode.NXDOMAIN, authorities: denial })).status,
    ).toBe('no-records')
    expect(classifyTlsaAnswer(NAME, answer({ ad: true, authorities: denial })).status).toBe('no-records')
  })

  it('is insecure when AD is clear and nothing in the terminal answer is signed (unsigned zone)', () => {
    expect(classifyTlsaAnswer(NAME, answer({ answers: [tlsa()] })).status).toBe('insecure')
    expect(
      classifyTlsaAnswer(NAME, answer({ rcode: Rcode.NXDOMAIN, authorities: [soa('plain.test')] })).status,
    ).toBe('insecure')
  })

  it('is dnssec-invalid on SERVFAIL: what a validating resolver answers for bogus data (RFC 4035 §5.5)', () => {
    expect(classifyTlsaAnswer(NAME, answer({ rcode: Rcode.SERVFAIL }))).toEqual({
      status: 'dnssec-invalid',
      name: NAME,
      reason: 'servfail',
    })
  })

  it('is dnssec-invalid when a signed answer comes back without AD: that resolver did not validate', () => {
    const signedRecords = answer({ answers: [tlsa(), rrsig(NAME, RrType.TLSA)] })
    expect(classifyTlsaAnswer(NAME, signedRecords)).toMatchObject({
      status: 'dnssec-invalid',
      reason: 'unvalidated-signed-answer',
    })
    const signedDenial = answer({
      rcode: Rcode.NXDOMAIN,
      authorities: [soa(), rrsig('example.test', RrType.SOA)],
    })
    expect(classifyTlsaAnswer(NAME, signedDenial)).toMatchObject({
      status: 'dnssec-invalid',
      reason: 'unvalidated-signed-answer',
    })
  })

  it('is dnssec-invalid on REFUSED and other RCODEs', () => {
    expect(classifyTlsaAnswer(NAME, answer({ rcode: Rcode.REFUSED }))).toMatchObject({
      reason: 'resolver-error',
    })
    expect(classifyTlsaAnswer(NAME, answer({ rcode: 4, ad: true, answers: [tlsa()] }))).toMatchObject({
      reason: 'resolver-error',
    })
  })

  describe('CNAMEs (RFC 7671 §7)', () => {
    const target = 'tlsa.dane.example.test'

    it('follows a secure chain to the TLSA RRset at its end', () => {
      const r = classifyTlsaAnswer(NAME, answer({ ad: true, answers: [cname(NAME, target), tlsa(target)] }))
      expect(r).toMatchObject({ status: 'secure', name: NAME, owner: target })
    })

    it('ignores TLSA records that are not at the end of the chain', () => {
      const r = classifyTlsaAnswer(
        NAME,
        answer({ ad: true, answers: [cname(NAME, target), tlsa(NAME), tlsa('other.test')] }),
      )
      expect(r.status).toBe('no-records')
    })

    it('is insecure when the chain leads into an unsigned zone, even though its first link is signed', () => {
      const r = classifyTlsaAnswer(
        NAME,
        answer({ answers: [cname(NAME, target), rrsig(NAME, RrType.CNAME), tlsa(target)] }),
      )
      expect(r.status).toBe('insecure')
    })

    it('is dnssec-invalid on a loop or an overlong chain', () => {
      const loop = answer({ ad: true, answers: [cname(NAME, 'a.test'), cname('a.test', NAME)] })
      expect(classifyTlsaAnswer(NAME, loop)).toMatchObject({ status: 'dnssec-invalid', reason: 'cname-loop' })
      const links = Array.from({ length: 10 }, (_, i) =>
        cname(i === 0 ? NAME : `l${i}.test`, `l${i + 1}.test`),
      )
      expect(
        classifyTlsaAnswer(NAME, answer({ ad: true, answers: [...links, tlsa('l10.test')] })).status,
      ).toBe('dnssec-invalid')
      expect(
        classifyTlsaAnswer(NAME, answer({ ad: true, answers: [...links.slice(0, 8), tlsa('l8.test')] }))
          .status,
      ).toBe('secure')
    })
  })

  it('drops RDATA too short to be TLSA and keeps the rest', () => {
    const r = classifyTlsaAnswer(NAME, answer({ ad: true, answers: [tlsa(NAME, [3, 1]), tlsa()] }))
    expect(r.status === 'secure' && r.records).toHaveLength(1)
  })

  it('only ever says secure or no-records when the resolver set AD, for any answer', () => {
    const rr = fc.record({
      name: fc.constantFrom(NAME, 'a.test', 'b.test'),
      type: fc.constantFrom(RrType.TLSA, RrType.CNAME, RrType.RRSIG, RrType.SOA),
      class: fc.constant(1),
      ttl: fc.constant(1),
      rdata: fc.uint8Array({ maxLength: 40 }),
      target: fc.constantFrom(NAME, 'a.test', 'b.test'),
    })
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 2, 3, 5),
        fc.array(rr, { maxLength: 6 }),
        (ad, rcode, answers) => {
          const r = classifyTlsaAnswer(NAME, answer({ ad, rcode, answers }))
          if (r.status === 'secure' || r.status === 'no-records') expect(ad).toBe(true)
          if (rcode === 2) expect(r.status).toBe('dnssec-invalid')
        },
      ),
    )
  })
})
