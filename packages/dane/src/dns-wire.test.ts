import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DnsWireError, decodeResponse, encodeQuery, Rcode, RrType } from './dns-wire.js'

type Rr = { name: number[]; type: number; rdata: number[] }

/** Builds a response: header, one question for `qname`, then answer and authority records. */
function response(opts: {
  id?: number
  flags?: number
  qname?: number[]
  qtype?: number
  answers?: Rr[]
  authorities?: Rr[]
}): Uint8Array {
  const qname = opts.qname ?? label('_993', '_tcp', 'mail', 'example', 'test')
  const answers = opts.answers ?? []
  const authorities = opts.authorities ?? []
  const bytes: number[] = []
  const u16 = (v: number) => bytes.push((v >> 8) & 0xff, v & 0xff)
  u16(opts.id ?? 7)
  u16(opts.flags ?? 0x8180)
  u16(1)
  u16(answers.length)
  u16(authorities.length)
  u16(0)
  bytes.push(...qname)
  u16(opts.qtype ?? RrType.TLSA)
  u16(1)
  for (const rr of [...answers, ...authorities]) {
    bytes.push(...rr.name)
    u16(rr.type)
    u16(1)
    u16(0)
    u16(300)
    u16(rr.rdata.length)
    bytes.push(...rr.rdata)
  }
  return Uint8Array.from(bytes)
}

function label(...labels: string[]): number[] {
  return [...labels.flatMap((l) => [l.length, ...Buffer.from(l, 'ascii')]), 0]
}

describe('encodeQuery()', () => {
  it('asks with RD and AD set, one question and an EDNS0 OPT record with DO (RFC 3225 §3)', () => {
    const q = Buffer.from(encodeQuery(0xbeef, '_993._tcp.Mail.Example.TEST.', RrType.TLSA))
    expect(q.readUInt16BE(0)).toBe(0xbeef)
    expect(q.readUInt16BE(2)).toBe(0x0120)
    expect([q.readUInt16BE(4), q.readUInt16BE(6), q.readUInt16BE(8), q.readUInt16BE(10)]).toEqual([
      1, 0, 0, 1,
    ])
    expect([...q.subarray(12, 12 + 29)]).toEqual(label('_993', '_tcp', 'mail', 'example', 'test'))
    const opt = q.subarray(q.length - 11)
    expect(opt.readUInt16BE(1)).toBe(RrType.OPT)
    expect(opt.readUInt16BE(3)).toBe(1232)
    expect(opt.readUInt32BE(5)).toBe(0x8000)
  })

  it('refuses a label longer than 63 octets instead of sending a malformed name', () => {
    expect(() => encodeQuery(1, `${'a'.repeat(64)}.test`, RrType.TLSA)).toThrow(DnsWireError)
  })
})

describe('decodeResponse()', () => {
  it('reads flags, the question and compressed owner names', () => {
    const tlsa = [3, 1, 1, ...new Array(32).fill(0xab)]
    const r = decodeResponse(
      response({ flags: 0x81a0, answers: [{ name: [0xc0, 12], type: RrType.TLSA, rdata: tlsa }] }),
    )
    expect(r).toMatchObject({ id: 7, rcode: Rcode.NOERROR, ad: true, truncated: false })
    expect(r.question).toEqual({ name: '_993._tcp.mail.example.test', type: RrType.TLSA, class: 1 })
    expect(r.answers[0]?.name).toBe('_993._tcp.mail.example.test')
    expect([...(r.answers[0]?.rdata ?? [])]).toEqual(tlsa)
  })

  it('decompresses CNAME targets and checks their RDATA length', () => {
    const target = label('tlsa', 'example', 'test')
    const ok = decodeResponse(
      response({ answers: [{ name: [0xc0, 12], type: RrType.CNAME, rdata: target }] }),
    )
    expect(ok.answers[0]?.target).toBe('tlsa.example.test')
    const bad = response({ answers: [{ name: [0xc0, 12], type: RrType.CNAME, rdata: [...target, 0] }] })
    expect(() => decodeResponse(bad)).toThrow('CNAME RDATA length mismatch')
  })

  it('refuses pointer loops, forward pointers, reserved label types and truncation', () => {
    const selfPointer = response({ answers: [{ name: [0xc0, 12 + 0], type: 1, rdata: [] }] })
    selfPointer[12] = 0xc0
    selfPointer[13] = 12
    expect(() => decodeResponse(selfPointer)).toThrow(DnsWireError)
    const forward = response({ answers: [{ name: [0xc0, 200], type: 1, rdata: [] }] })
    expect(() => decodeResponse(forward)).toThrow('forward compression pointer')
    const reserved = response({ answers: [{ name: [0x40], type: 1, rdata: [] }] })
    expect(() => decodeResponse(reserved)).toThrow('reserved label type')
    const full = response({ answers: [{ name: [0xc0, 12], type: RrType.TLSA, rdata: [3, 1, 1, 9, 9] }] })
    expect(() => decodeResponse(full.subarray(0, full.length - 1))).toThrow('message truncated')
    expect(() => decodeResponse(response({ flags: 0x0100 }))).toThrow('not a response')
  })

  it('never throws anything but DnsWireError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeResponse(bytes)
        } catch (e) {
          expect(e).toBeInstanceOf(DnsWireError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('never throws anything but DnsWireError when a valid response is corrupted', () => {
    const valid = response({
      flags: 0x81a0,
      answers: [
        { name: [0xc0, 12], type: RrType.CNAME, rdata: label('x', 'example', 'test') },
        { name: label('x', 'example', 'test'), type: RrType.TLSA, rdata: [3, 1, 1, 1, 2, 3] },
      ],
      authorities: [{ name: [0xc0, 12], type: RrType.RRSIG, rdata: [0, 52, 13, 3] }],
    })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(valid.length),
        (edits, cut) => {
          const bytes = Uint8Array.from(valid)
          for (const [at, v] of edits) bytes[at] = v
          try {
            const r = decodeResponse(bytes.subarray(0, cut))
            for (const rr of [...r.answers, ...r.authorities])
              expect(rr.name.length).toBeLessThanOrEqual(1024)
          } catch (e) {
            expect(e).toBeInstanceOf(DnsWireError)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('decodes what encodeQuery() writes once flipped into a response', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9_-]{1,20}$/), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffff }),
        (labels, id) => {
          const q = Buffer.from(encodeQuery(id, labels.join('.'), RrType.TLSA))
          q.writeUInt16BE(0x8180, 2)
          q.writeUInt16BE(0, 10) // drop the OPT record from the counts: it is additional data
          const r = decodeResponse(q)
          expect(r.id).toBe(id)
          expect(r.question?.name).toBe(labels.join('.'))
        },
      ),
    )
  })
})
