// The hashing half of "evidence, not content" (issue #13 item 2): core defines the shape and the closed
// list of kinds and stays pure; adapters hash here. Pre-TLS limits live here too, the same for all three
// protocols, so a server cannot hold a connection open with an endless pre-TLS stream.
import { createHash } from 'node:crypto'
import { type Evidence, type EvidenceKind, evidenceKindOf, MAX_EVIDENCE } from '@mua-sts/core'

/**
 * Evidence of one piece of pre-TLS data: its kind (from core's closed list: pass a protocol word and it
 * becomes that kind or `line`), its byte count and its SHA-256. The bytes themselves are dropped.
 */
export function evidenceOf(kind: EvidenceKind | string, bytes: Buffer | string): Evidence {
  const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes
  return {
    kind: evidenceKindOf(kind),
    bytes: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
  }
}

/** Collects evidence for one connection, keeping the first {@link MAX_EVIDENCE} items. */
export class EvidenceLog {
  readonly #items: Evidence[] = []
  #dropped = 0

  /** Hashes and records `bytes` (see {@link evidenceOf}). */
  add(kind: EvidenceKind | string, bytes: Buffer | string): void {
    if (this.#items.length >= MAX_EVIDENCE) {
      this.#dropped++
      return
    }
    this.#items.push(evidenceOf(kind, bytes))
  }

  get items(): readonly Evidence[] {
    return this.#items
  }

  /** Items beyond the cap (counted, not kept). */
  get dropped(): number {
    return this.#dropped
  }
}

/**
 * Caps on what a server may send before TLS (greeting, capabilities, STARTTLS reply), the same for
 * IMAP, SMTP and POP3. Real servers use a few hundred bytes; exceeding a cap is `untagged_before_tls`
 * (or a protocol error), never a hang.
 */
export const PRE_TLS_LIMITS = Object.freeze({
  /** Lines before the STARTTLS reply (an EHLO reply with every extension fits easily). */
  maxLines: 64,
  /** Bytes before the STARTTLS reply. */
  maxBytes: 16_384,
  /** One line (RFC 5321 §4.5.3.1.5 allows 512 for SMTP replies; IMAP greetings are shorter still). */
  maxLineBytes: 8192,
})
