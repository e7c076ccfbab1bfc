// TLSA records (RFC 6698 §2): wire RDATA and presentation form, and which records a client can use.
// Pure: no I/O.
import { ErrorCode, SdkError } from '@mua-sts/core'
import * as z from 'zod'

/** Certificate usages (RFC 6698 §2.1.1, acronyms from RFC 7218 §2.1). */
export const TlsaUsage = { PkixTa: 0, PkixEe: 1, DaneTa: 2, DaneEe: 3 } as const
/** Selectors (RFC 6698 §2.1.2): the whole certificate or its SubjectPublicKeyInfo. */
export const TlsaSelector = { Cert: 0, Spki: 1 } as const
/** Matching types (RFC 6698 §2.1.3): the exact bytes, SHA2-256 or SHA2-512. */
export const TlsaMatchingType = { Full: 0, Sha256: 1, Sha512: 2 } as const

// RDATA length is a 16-bit field; 3 octets go to usage/selector/matching type (RFC 6698 §2.1).
const MAX_ASSOCIATION = 0xffff - 3

/** One TLSA record as received: any octet values, so unknown parameters survive to be judged. */
export const TlsaRecordSchema = z.strictObject({
  usage: z.number().int().min(0).max(255),
  selector: z.number().int().min(0).max(255),
  matchingType: z.number().int().min(0).max(255),
  /** Certificate association data. */
  data: z.instanceof(Uint8Array).refine((d) => d.length <= MAX_ASSOCIATION, 'association data too long'),
})
export type TlsaRecord = z.infer<typeof TlsaRecordSchema>

/** Parses TLSA RDATA (RFC 6698 §2.1). Pure. Returns undefined when fewer than 3 octets. */
export function parseTlsaRdata(rdata: Uint8Array): TlsaRecord | undefined {
  if (rdata.length < 3 || rdata.length > 0xffff) return undefined
  return {
    usage: rdata[0] as number,
    selector: rdata[1] as number,
    matchingType: rdata[2] as number,
    data: Uint8Array.from(rdata.subarray(3)),
  }
}

/** Encodes a record back to RDATA; the inverse of `parseTlsaRdata`. Pure. */
export function encodeTlsaRdata(record: TlsaRecord): Uint8Array {
  const out = new Uint8Array(3 + record.data.length)
  out.set([record.usage, record.selector, record.matchingType], 0)
  out.set(record.data, 3)
  return out
}

const PRESENTATION_RE = /^\s*(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s+([0-9a-fA-F\s]+?)\s*$/

/**
 * Parses the presentation form `3 1 1 0a1b…` (RFC 6698 §2.2; hex may be split by whitespace).
 * Pure. Throws `MUASTS_ERR_INVALID_OPTION` naming what is wrong; the input is never altered.
 */
export function parseTlsaText(text: string): TlsaRecord {
  const m = PRESENTATION_RE.exec(text)
  const hex = m?.[4]?.replace(/\s+/g, '') ?? ''
  if (m === null || hex.length % 2 !== 0) {
    throw new SdkError(ErrorCode.InvalidOption, 'TLSA record must read "<usage> <selector> <type> <hex>"', {
      details: { field: 'tlsa' },
    })
  }
  const parsed = TlsaRecordSchema.safeParse({
    usage: Number(m[1]),
    selector: Number(m[2]),
    matchingType: Number(m[3]),
    data: Uint8Array.from(Buffer.from(hex, 'hex')),
  })
  if (!parsed.success) {
    throw new SdkError(
      ErrorCode.InvalidOption,
      `TLSA record is out of range: ${parsed.error.issues[0]?.message}`,
      {
        details: { field: 'tlsa' },
      },
    )
  }
  return parsed.data
}

/** Presentation form with lower-case hex, the way `dig` prints it. Pure. */
export function formatTlsa(record: TlsaRecord): string {
  return `${record.usage} ${record.selector} ${record.matchingType} ${Buffer.from(record.data).toString('hex')}`
}

/** Why a record cannot be used (RFC 6698 §4.1: unusable records are ignored, not fatal). */
export type Unusable = 'unknown-usage' | 'unknown-selector' | 'unknown-matching-type' | 'bad-digest-length'

const DIGEST_LENGTH: Readonly<Record<number, number>> = { 1: 32, 2: 64 }

/** Undefined when the record is usable by this client, else why not. Pure. */
export function unusableReason(r: TlsaRecord): Unusable | undefined {
  if (r.usage > TlsaUsage.DaneEe) return 'unknown-usage'
  if (r.selector > TlsaSelector.Spki) return 'unknown-selector'
  if (r.matchingType > TlsaMatchingType.Sha512) return 'unknown-matching-type'
  const length = DIGEST_LENGTH[r.matchingType]
  // A digest of the wrong length can never match; a full (type 0) value must at least be non-empty.
  if (length !== undefined ? r.data.length !== length : r.data.length === 0) return 'bad-digest-length'
  return undefined
}

/**
 * The records a client should try, per RFC 7671 §9 (digest algorithm agility): within one
 * usage+selector, when SHA2-512 records are present the SHA2-256 ones are ignored, so a downgrade to
 * the weaker digest gains an attacker nothing. Full (type 0) records are always kept. Pure.
 */
export function usableRecords(records: readonly TlsaRecord[]): TlsaRecord[] {
  const usable = records.filter((r) => unusableReason(r) === undefined)
  const strongest = new Map<string, number>()
  for (const r of usable) {
    if (r.matchingType === TlsaMatchingType.Full) continue
    const key = `${r.usage}/${r.selector}`
    strongest.set(key, Math.max(strongest.get(key) ?? 0, r.matchingType))
  }
  return usable.filter(
    (r) =>
      r.matchingType === TlsaMatchingType.Full ||
      r.matchingType === strongest.get(`${r.usage}/${r.selector}`),
  )
}
