// What one resolver answer means for DANE: the pure half of the TLSA lookup (the I/O half is
// tlsa-lookup.ts). The five outcomes, exactly:
//
// - `secure`         AD set, TLSA records at the (CNAME-expanded) owner. Matching decides valid/invalid.
// - `no-records`     AD set, NXDOMAIN or NODATA: an authenticated denial (RFC 4035 §3.2.3).
// - `insecure`       AD clear and the terminal answer carries no RRSIG: the zone is unsigned (or an
//                    insecure delegation / CNAME link sits in the chain, RFC 7671 §7). DANE does not apply.
// - `dnssec-invalid` anything from which neither a secure nor an insecure answer can be concluded:
//                    SERVFAIL (what a validating resolver answers for bogus data, RFC 4035 §5.5), AD clear
//                    while the terminal RRset is signed (the resolver did not validate: it is not a
//                    validating resolver or lacks the trust anchor), any other RCODE, a CNAME loop, or
//                    (from tlsa-lookup.ts) no usable answer at all: timeout, unreachable, malformed.
//                    RFC 7672 §2.1.1 calls these "indeterminate"; a DANE requirement fails closed on them.
import { type DnsResponse, Rcode, type ResourceRecord, RrType } from './dns-wire.js'
import { parseTlsaRdata, type TlsaRecord } from './tlsa-record.js'

export const LOOKUP_FAILURES = [
  'servfail',
  'unvalidated-signed-answer',
  'resolver-error',
  'cname-loop',
  'timeout',
  'unreachable',
  'malformed',
] as const
export type LookupFailure = (typeof LOOKUP_FAILURES)[number]

export type TlsaLookup =
  | {
      readonly status: 'secure'
      /** The name asked, `_<port>._tcp.<host>`. */
      readonly name: string
      /** Where the TLSA RRset was found: `name`, or the end of its CNAME chain (RFC 7671 §7). */
      readonly owner: string
      readonly records: readonly TlsaRecord[]
      /** Seconds the answer may be reused: the smallest TTL of the TLSA RRset and its CNAME links. */
      readonly ttl?: number
    }
  | { readonly status: 'no-records' | 'insecure'; readonly name: string }
  | { readonly status: 'dnssec-invalid'; readonly name: string; readonly reason: LookupFailure }

// A longer chain than this is an operator error or an attack on the resolver's work; 8 is what
// Unbound itself follows (MAX_RESTART_COUNT) before giving up.
const MAX_CNAME_LINKS = 8

/** Follows the CNAME chain for `name` inside the answer section; undefined on a loop or overlong chain. */
function terminalOwner(name: string, answers: readonly ResourceRecord[]): string | undefined {
  let owner = name
  const seen = new Set([owner])
  for (let links = 0; ; links++) {
    const cname = answers.find((r) => r.type === RrType.CNAME && r.name === owner)
    if (cname?.target === undefined) return owner
    if (links >= MAX_CNAME_LINKS || seen.has(cname.target)) return undefined
    owner = cname.target
    seen.add(owner)
  }
}

/** RRSIGs covering `type` at `owner` (RFC 4034 §3.1: the first two RDATA octets are Type Covered). */
function signed(records: readonly ResourceRecord[], owner: string | undefined, type: number): boolean {
  return records.some(
    (r) =>
      r.type === RrType.RRSIG &&
      (owner === undefined || r.name === owner) &&
      r.rdata.length >= 2 &&
      ((r.rdata[0] as number) << 8) + (r.rdata[1] as number) === type,
  )
}

/**
 * Classifies one resolver response to the TLSA query `name` (already matched by id and question).
 * Pure. Never throws.
 */
export function classifyTlsaAnswer(name: string, response: DnsResponse): TlsaLookup {
  if (response.rcode === Rcode.SERVFAIL) return { status: 'dnssec-invalid', name, reason: 'servfail' }
  if (response.rcode !== Rcode.NOERROR && response.rcode !== Rcode.NXDOMAIN) {
    return { status: 'dnssec-invalid', name, reason: 'resolver-error' }
  }
  const owner = terminalOwner(name, response.answers)
  if (owner === undefined) return { status: 'dnssec-invalid', name, reason: 'cname-loop' }
  const rrset = response.answers.filter((r) => r.type === RrType.TLSA && r.name === owner)
  const denial = response.rcode === Rcode.NXDOMAIN || rrset.length === 0
  if (!response.ad) {
    // The terminal RRset decides: earlier CNAME links may be signed while the target zone is not.
    const terminalSigned = denial
      ? signed(response.authorities, undefined, RrType.SOA) ||
        signed(response.authorities, undefined, RrType.NSEC) ||
        signed(response.authorities, undefined, RrType.NSEC3)
      : signed(response.answers, owner, RrType.TLSA)
    return terminalSigned
      ? { status: 'dnssec-invalid', name, reason: 'unvalidated-signed-answer' }
      : { status: 'insecure', name }
  }
  if (denial) return { status: 'no-records', name }
  // RDATA shorter than 3 octets is not a TLSA record at all; it is dropped like an unusable one.
  const records = rrset.flatMap((r) => parseTlsaRdata(r.rdata) ?? [])
  const chain = response.answers.filter((r) => r.type === RrType.CNAME || rrset.includes(r))
  const ttl = Math.min(...chain.map((r) => r.ttl))
  return { status: 'secure', name, owner, records, ttl }
}
