// Evidence, not content (issue #13 item 2): pre-TLS data that is itself the violation (an injected or
// unsolicited line, bytes after the STARTTLS reply, a pre-TLS ALERT) is kept in a report only as its
// kind, its size and a SHA-256 of the raw bytes. The kind comes from a closed list, so not one word an
// attacker chose reaches a report, an outbox or a collector; the hash lets an operator match a capture.
// Core is pure: the adapter computes the hash (`evidenceOf` in @mua-sts/transport).
import * as z from 'zod'

/**
 * What a piece of evidence was. Protocol keywords name the response (IMAP RFC 9051 §7, POP3 RFC 1939,
 * SMTP RFC 5321 §4.2); the lower-case kinds are framing facts:
 * `bytes` unframed bytes (after a STARTTLS reply, or where a TLS record belonged),
 * `line` a line whose first word is not on this list, `tagged` a tagged IMAP reply,
 * `continuation` an IMAP `+` line, `literal` an IMAP literal, `overflow` data beyond the pre-TLS caps.
 */
export const EVIDENCE_KINDS = [
  'bytes',
  'line',
  'tagged',
  'continuation',
  'literal',
  'overflow',
  'ALERT',
  'BAD',
  'BYE',
  'CAPABILITY',
  'ENABLED',
  'EXISTS',
  'FETCH',
  'FLAGS',
  'ID',
  'NO',
  'OK',
  'PREAUTH',
  'RECENT',
  '+OK',
  '-ERR',
  'REPLY',
] as const
export const EvidenceKindSchema = z.enum(EVIDENCE_KINDS)
export type EvidenceKind = z.infer<typeof EvidenceKindSchema>

const KINDS: ReadonlySet<string> = new Set(EVIDENCE_KINDS)

/**
 * The evidence kind for a response word an adapter parsed (`CAPABILITY`, `ok`, `+OK`…): the listed
 * keyword (upper-cased) or `line` for anything else. The word itself never leaves this function. Pure.
 */
export function evidenceKindOf(word: string): EvidenceKind {
  const w = String(word)
  if (KINDS.has(w)) return w as EvidenceKind
  const upper = w.toUpperCase()
  return KINDS.has(upper) ? (upper as EvidenceKind) : 'line'
}

/** Most evidence items one report keeps; later items only raise the anomaly, not the list. */
export const MAX_EVIDENCE = 16

export const EvidenceSchema = z.strictObject({
  kind: EvidenceKindSchema,
  /** Size of the raw bytes (the whole line including CRLF, or the whole chunk). */
  bytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  /** Lower-case hex SHA-256 of exactly those bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
})
export type Evidence = z.infer<typeof EvidenceSchema>
