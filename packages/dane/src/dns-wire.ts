// The few bytes of RFC 1035 this package needs: encode one query, decode one response. Written here
// rather than borrowed so that every byte a resolver sends is bounds-checked by code we test with
// hostile input (dns-wire.fuzz.test.ts); a malformed answer is a coded failure, never a guess.
//
// Pure: no I/O. Decoding throws only `DnsWireError`.

/** RR types this package asks for or reads (RFC 1035 §3.2.2, RFC 4034 §2-4, RFC 6698 §7.1). */
export const RrType = { CNAME: 5, SOA: 6, OPT: 41, RRSIG: 46, NSEC: 47, NSEC3: 50, TLSA: 52 } as const

/** RCODEs we distinguish (RFC 1035 §4.1.1, RFC 6895 §2.3). */
export const Rcode = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const

const CLASS_IN = 1
const FLAG_QR = 0x8000
const FLAG_TC = 0x0200
const FLAG_RD = 0x0100
const FLAG_AD = 0x0020
// RFC 3225 §3: the DO bit is the top bit of the OPT record's TTL-field flags.
const EDNS_DO = 0x8000
// RFC 6891 §6.2.5 and DNS Flag Day 2020: 1232 bytes avoids IP fragmentation.
export const UDP_PAYLOAD = 1232
// RFC 1035 §2.3.4 / §4.1.4: names are at most 255 octets; a pointer chain longer than the
// message could hold is a loop.
const MAX_NAME = 255
const MAX_POINTERS = 64

export class DnsWireError extends Error {
  override readonly name = 'DnsWireError'
}

export type ResourceRecord = {
  /** Owner name, lower-cased, no trailing dot ('' for the root). */
  readonly name: string
  readonly type: number
  readonly class: number
  readonly ttl: number
  /** The RDATA bytes exactly as sent (names inside are NOT decompressed; CNAME is, below). */
  readonly rdata: Uint8Array
  /** For CNAME only: the decompressed target. */
  readonly target?: string
}

export type DnsResponse = {
  readonly id: number
  readonly rcode: number
  readonly truncated: boolean
  /** Authenticated Data: the resolver validated every record in the answer (RFC 4035 §3.2.3). */
  readonly ad: boolean
  readonly question: { readonly name: string; readonly type: number; readonly class: number } | undefined
  readonly answers: readonly ResourceRecord[]
  readonly authorities: readonly ResourceRecord[]
}

/** Lower-case, trailing dot removed: the one form names are compared in (RFC 4343 §3). */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase()
}

function encodeName(name: string): Uint8Array {
  const labels = canonicalName(name)
    .split('.')
    .filter((l) => l !== '')
  const parts: number[] = []
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii')
    if (bytes.length > 63) throw new DnsWireError(`label longer than 63 octets in ${name}`)
    parts.push(bytes.length, ...bytes)
  }
  parts.push(0)
  if (parts.length > MAX_NAME) throw new DnsWireError(`name longer than 255 octets: ${name}`)
  return Uint8Array.from(parts)
}

/**
 * One query with RD and AD set (RFC 6840 §5.7: AD in a query asks for AD in the answer) and an
 * EDNS0 OPT record with DO (RFC 6891, RFC 3225), so the resolver does DNSSEC processing for us.
 */
export function encodeQuery(id: number, name: string, type: number): Uint8Array {
  const qname = encodeName(name)
  const out = Buffer.alloc(12 + qname.length + 4 + 11)
  out.writeUInt16BE(id & 0xffff, 0)
  out.writeUInt16BE(FLAG_RD | FLAG_AD, 2)
  out.writeUInt16BE(1, 4) // QDCOUNT
  out.writeUInt16BE(1, 10) // ARCOUNT: the OPT record
  let at = 12
  out.set(qname, at)
  at += qname.length
  out.writeUInt16BE(type, at)
  out.writeUInt16BE(CLASS_IN, at + 2)
  at += 4
  out.writeUInt8(0, at) // OPT owner: root
  out.writeUInt16BE(RrType.OPT, at + 1)
  out.writeUInt16BE(UDP_PAYLOAD, at + 3) // CLASS field carries the payload size
  out.writeUInt32BE(EDNS_DO, at + 5) // extended RCODE 0, version 0, flags DO
  out.writeUInt16BE(0, at + 9) // RDLEN
  return out
}

class Reader {
  constructor(readonly buf: Uint8Array) {}
  need(at: number, n: number): void {
    if (at < 0 || at + n > this.buf.length) throw new DnsWireError('message truncated')
  }
  u8(at: number): number {
    this.need(at, 1)
    return this.buf[at] as number
  }
  u16(at: number): number {
    return (this.u8(at) << 8) | this.u8(at + 1)
  }
  u32(at: number): number {
    return this.u16(at) * 0x10000 + this.u16(at + 2)
  }
  /** Decodes a possibly compressed name at `at`; returns it and the offset just past it in place. */
  name(start: number): { name: string; end: number } {
    const labels: string[] = []
    let at = start
    let end = -1
    let length = 1
    for (let hops = 0; ; ) {
      const len = this.u8(at)
      if (len === 0) {
        if (end < 0) end = at + 1
        break
      }
      if ((len & 0xc0) === 0xc0) {
        if (++hops > MAX_POINTERS) throw new DnsWireError('compression pointer loop')
        const target = ((len & 0x3f) << 8) | this.u8(at + 1)
        if (end < 0) end = at + 2
        // RFC 1035 §4.1.4: pointers refer to a prior occurrence; forward pointers are malformed.
        if (target >= at) throw new DnsWireError('forward compression pointer')
        at = target
        continue
      }
      if ((len & 0xc0) !== 0) throw new DnsWireError('reserved label type')
      this.need(at + 1, len)
      length += len + 1
      if (length > MAX_NAME) throw new DnsWireError('name longer than 255 octets')
      const label = Buffer.from(this.buf.subarray(at + 1, at + 1 + len)).toString('latin1')
      labels.push(label.replace(/[.\\]/g, (c) => `\\${c}`))
      at += len + 1
    }
    return { name: labels.join('.').toLowerCase(), end }
  }
}

function readRecords(r: Reader, at: number, count: number, out: ResourceRecord[]): number {
  let offset = at
  for (let i = 0; i < count; i++) {
    const { name, end } = r.name(offset)
    const type = r.u16(end)
    const klass = r.u16(end + 2)
    const ttl = r.u32(end + 4)
    const rdlen = r.u16(end + 8)
    const start = end + 10
    r.need(start, rdlen)
    const rdata = r.buf.slice(start, start + rdlen)
    if (type === RrType.CNAME) {
      const target = r.name(start)
      if (target.end !== start + rdlen) throw new DnsWireError('CNAME RDATA length mismatch')
      out.push({ name, type, class: klass, ttl, rdata, target: target.name })
    } else {
      out.push({ name, type, class: klass, ttl, rdata })
    }
    offset = start + rdlen
  }
  return offset
}

/** Decodes a response message. Pure. Throws `DnsWireError` on anything malformed or truncated. */
export function decodeResponse(message: Uint8Array): DnsResponse {
  const r = new Reader(message)
  const id = r.u16(0)
  const flags = r.u16(2)
  if ((flags & FLAG_QR) === 0) throw new DnsWireError('not a response')
  const qdcount = r.u16(4)
  const ancount = r.u16(6)
  const nscount = r.u16(8)
  if (qdcount > 1) throw new DnsWireError('more than one question')
  let at = 12
  let question: DnsResponse['question']
  if (qdcount === 1) {
    const q = r.name(at)
    question = { name: q.name, type: r.u16(q.end), class: r.u16(q.end + 2) }
    at = q.end + 4
  }
  const answers: ResourceRecord[] = []
  const authorities: ResourceRecord[] = []
  at = readRecords(r, at, ancount, answers)
  readRecords(r, at, nscount, authorities)
  // The additional section (OPT, glue) is not read: nothing in it is trusted or needed.
  return {
    id,
    rcode: flags & 0x000f,
    truncated: (flags & FLAG_TC) !== 0,
    ad: (flags & FLAG_AD) !== 0,
    question,
    answers,
    authorities,
  }
}
