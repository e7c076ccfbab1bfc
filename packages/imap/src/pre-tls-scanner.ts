// Watches every byte an IMAP server sends before TLS on a STARTTLS connection, and every command the
// client writes, and classifies the NO STARTTLS attack classes (spec digest §2a-I) as core anomalies,
// independently of imapflow's own checks. Everything the server sends here is attacker-controlled: it
// is only ever reported, never learned (DEEP -04 §5.1, RFC 9051 §6.2.1), and a report keeps it only as
// evidence (kind, size, hash) or, for the greeting's capabilities, a few grammar-checked atoms.
import type { Anomaly, EvidenceKind } from '@mua-sts/core'
import { evidenceKindOf } from '@mua-sts/core'
import { PRE_TLS_LIMITS } from '@mua-sts/transport'

/** A pre-TLS line longer than this is not an IMAP greeting, CAPABILITY or tagged reply. */
export const MAX_PRE_TLS_LINE = PRE_TLS_LIMITS.maxLineBytes

export type StarttlsReply = 'OK' | 'NO' | 'BAD'

/** Raw bytes (latin1, one char per byte) that are themselves a violation; hashed by the session. */
export type RawEvidence = { readonly kind: EvidenceKind; readonly raw: string }

/** What one chunk of server bytes revealed. */
export type ScanResult = {
  /** Anomalies first detected in this chunk (each anomaly is reported once). */
  readonly anomalies: readonly Anomaly[]
  /** Set when the bytes are not IMAP at all (an over-long line): a protocol error, not a policy outcome. */
  readonly protocolError?: string
}

const GREETING_RE = /^\* (OK|PREAUTH|BYE)(?: |$)/i
const TAGGED_RE = /^([^\s*+(){%"\\]+) (OK|NO|BAD)(?: |$)/i
const CAPABILITY_LINE_RE = /^\* CAPABILITY(?: (.*))?$/i
const CAPABILITY_CODE_RE = /\[CAPABILITY(?: ([^\]]*))?\]/i
// RFC 9051 §7.1: ALERT text must be shown to the user, which is exactly why it must not be trusted
// before TLS (DEF CON "NO STARTTLS" slides): it is dropped, counted as evidence, and refused.
const ALERT_RE = /\[ALERT\]/i
const BYE_RE = /^\* BYE(?: |$)/i
const LITERAL_RE = /\{\d+\+?\}$/
const UNTAGGED_WORD_RE = /^\* (?:\d+ )?([A-Za-z]+)/
const CLIENT_COMMAND_RE = /^([^\s*+(){%"\\]+) ([A-Za-z]+)/

function atoms(list: string | undefined): string[] {
  return (list ?? '').split(' ').filter((a) => a !== '')
}

/**
 * Incremental scanner for the cleartext part of a STARTTLS session (RFC 9051 §6.2.1, RFC 2595 §3.1).
 * Allowed before TLS: one greeting (`* OK`, optionally with a CAPABILITY code), `* CAPABILITY` while a
 * CAPABILITY command is outstanding, the tagged reply to each command the client actually sent, and
 * `* BYE`. Anything else is an anomaly: an unsolicited CAPABILITY never replaces the greeting's, and a
 * tagged reply to a command not yet sent is an injection, refused at once. Caps on lines and bytes
 * (PRE_TLS_LIMITS) turn an endless stream into `untagged_before_tls`. Pure state machine: no I/O, never throws.
 */
export class PreTlsScanner {
  #buffer = ''
  #clientBuffer = ''
  #greeting: 'OK' | 'PREAUTH' | 'BYE' | undefined
  #caps: string[] | undefined
  /** Outstanding client commands: tag → upper-cased command name. */
  readonly #pending = new Map<string, string>()
  #starttlsSent = false
  #starttlsReply: StarttlsReply | undefined
  #bytesAfterReply = 0
  #bytesSeen = 0
  #lines = 0
  #closedByServer = false
  #answeredBeforeStarttls = false
  #failed = false
  readonly #seen = new Set<Anomaly>()
  readonly #evidence: RawEvidence[] = []

  /** The capabilities of the greeting or of the solicited CAPABILITY reply (raw atoms; core sanitizes). */
  get capsBeforeTls(): readonly string[] {
    return this.#caps ?? []
  }

  get greeting(): 'OK' | 'PREAUTH' | 'BYE' | undefined {
    return this.#greeting
  }

  get starttlsReply(): StarttlsReply | undefined {
    return this.#starttlsReply
  }

  /** True once the client wrote STARTTLS. */
  get starttlsSent(): boolean {
    return this.#starttlsSent
  }

  /** Bytes the server sent before TLS (0: it never said anything). */
  get bytesSeen(): number {
    return this.#bytesSeen
  }

  /** Every anomaly detected so far, in detection order. */
  get anomalies(): readonly Anomaly[] {
    return [...this.#seen]
  }

  /** The raw bytes behind the anomalies, for hashing (never for a report as they are). */
  get evidence(): readonly RawEvidence[] {
    return this.#evidence
  }

  /**
   * True only when the STARTTLS reply was a tagged OK and not one byte followed it: the one state in
   * which a TLS handshake may start (RFC 9051 §6.2.1: the server sends nothing more before TLS).
   */
  readyForHandshake(): boolean {
    return (
      this.#starttlsReply === 'OK' && this.#bytesAfterReply === 0 && this.#seen.size === 0 && !this.#failed
    )
  }

  /** imapflow announced the upgrade (transport.prepareUpgrade); the STARTTLS write itself is seen by clientWrote(). */
  expectStarttlsReply(): void {
    // Kept as a hook for the phase only: which reply answers STARTTLS is decided by its tag.
  }

  /** Feeds what the client wrote before TLS, so replies can be matched to commands that were sent. */
  clientWrote(chunk: Buffer | string): void {
    this.#clientBuffer += typeof chunk === 'string' ? chunk : chunk.toString('latin1')
    for (;;) {
      const end = this.#clientBuffer.indexOf('\n')
      if (end === -1) break
      const line = this.#clientBuffer.slice(0, end)
      this.#clientBuffer = this.#clientBuffer.slice(end + 1)
      const m = CLIENT_COMMAND_RE.exec(line)
      if (m === null) continue
      const name = (m[2] ?? '').toUpperCase()
      this.#pending.set(m[1] ?? '', name)
      if (name === 'STARTTLS') this.#starttlsSent = true
    }
    if (this.#clientBuffer.length > MAX_PRE_TLS_LINE) this.#clientBuffer = ''
  }

  /**
   * Anomalies that only show once the session ended without an upgrade: the server answered (e.g. a
   * `NO` to CAPABILITY) but never offered STARTTLS, and STARTTLS was never attempted. A connection
   * that simply dropped before answering is a connection failure, not a stripping attack.
   */
  finish(): readonly Anomaly[] {
    const out: Anomaly[] = []
    const strippedBeforeStarttls =
      this.#greeting === 'OK' &&
      this.#answeredBeforeStarttls &&
      !this.#starttlsSent &&
      !this.#closedByServer &&
      !this.#failed &&
      !this.#hasStarttls()
    if (strippedBeforeStarttls) this.#add('starttls_not_offered', out)
    return out
  }

  /** Feeds server bytes in arrival order. */
  push(chunk: Buffer): ScanResult {
    const found: Anomaly[] = []
    if (this.#failed || this.#closedByServer) return { anomalies: found }
    this.#bytesSeen += chunk.length
    if (this.#starttlsReply === 'OK') {
      // RFC 9051 §6.2.1 / CVE-2011-0411 class: anything after the OK was not sent over TLS.
      this.#bytesAfterReply += chunk.length
      if (chunk.length > 0) this.#flag('bytes_after_starttls', 'bytes', chunk.toString('latin1'), found)
      return { anomalies: found }
    }
    if (this.#bytesSeen > PRE_TLS_LIMITS.maxBytes) {
      return this.#overflow(chunk, found)
    }
    // latin1 keeps one character per byte, so lengths below are byte counts.
    this.#buffer += chunk.toString('latin1')
    for (;;) {
      const end = this.#buffer.indexOf('\n')
      if (end === -1) break
      const raw = this.#buffer.slice(0, end + 1)
      this.#buffer = this.#buffer.slice(end + 1)
      if (++this.#lines > PRE_TLS_LIMITS.maxLines) {
        return this.#overflow(Buffer.from(raw, 'latin1'), found)
      }
      this.#line(raw.replace(/\r?\n$/, ''), raw, found)
      if (this.#upgradeAgreed()) {
        this.#bytesAfterReply = this.#buffer.length
        if (this.#buffer.length > 0) this.#flag('bytes_after_starttls', 'bytes', this.#buffer, found)
        this.#buffer = ''
        return { anomalies: found }
      }
      if (this.#closedByServer) return { anomalies: found }
    }
    if (this.#buffer.length > MAX_PRE_TLS_LINE) {
      this.#failed = true
      this.#buffer = ''
      return { anomalies: found, protocolError: `pre-TLS line longer than ${MAX_PRE_TLS_LINE} octets` }
    }
    return { anomalies: found }
  }

  // A method rather than an inline comparison: #line() changes the field behind TypeScript's narrowing.
  #upgradeAgreed(): boolean {
    return this.#starttlsReply === 'OK'
  }

  #overflow(chunk: Buffer, found: Anomaly[]): ScanResult {
    this.#failed = true
    this.#buffer = ''
    this.#flag('untagged_before_tls', 'overflow', chunk.toString('latin1'), found)
    return { anomalies: found }
  }

  #add(a: Anomaly, out: Anomaly[]): void {
    if (this.#seen.has(a)) return
    this.#seen.add(a)
    out.push(a)
  }

  #flag(a: Anomaly, kind: EvidenceKind, raw: string, out: Anomaly[]): void {
    this.#evidence.push({ kind, raw })
    this.#add(a, out)
  }

  #hasStarttls(): boolean {
    return (this.#caps ?? []).some((c) => c.toUpperCase() === 'STARTTLS')
  }

  #capabilityPending(): boolean {
    for (const name of this.#pending.values()) if (name === 'CAPABILITY') return true
    return false
  }

  #setCaps(list: string | undefined, out: Anomaly[]): void {
    this.#caps = atoms(list)
    // RFC 2595 §3.1 stripping: a complete pre-TLS capability list without STARTTLS. imapflow (with
    // doSTARTTLS: true) would refuse too; we refuse first so nothing else is written.
    if (!this.#hasStarttls()) this.#add('starttls_not_offered', out)
  }

  #line(line: string, raw: string, out: Anomaly[]): void {
    if (line.length > MAX_PRE_TLS_LINE) {
      this.#flag('untagged_before_tls', 'line', raw, out)
      return
    }
    if (ALERT_RE.test(line)) {
      this.#flag('untagged_before_tls', 'ALERT', raw, out)
      return
    }
    // No literal is legitimate before TLS; after one, the following bytes cannot be framed as lines.
    if (LITERAL_RE.test(line)) {
      this.#flag('untagged_before_tls', 'literal', raw, out)
      return
    }
    if (this.#greeting === undefined) {
      this.#greetingLine(line, raw, out)
      return
    }
    if (BYE_RE.test(line)) {
      this.#closedByServer = true
      return
    }
    const cap = CAPABILITY_LINE_RE.exec(line)
    if (cap !== null) {
      // Only a reply to a CAPABILITY command the client sent counts; an unsolicited one (after the
      // greeting, or in front of the STARTTLS reply) is an injection and never replaces the greeting's.
      if (this.#capabilityPending()) this.#setCaps(cap[1], out)
      else this.#flag('untagged_before_tls', 'CAPABILITY', raw, out)
      return
    }
    const tagged = TAGGED_RE.exec(line)
    if (tagged === null) {
      // Unsolicited untagged data (`* ID …`, `* 1 EXISTS`), continuation requests or garbage: nothing
      // else is legitimate before TLS. The kind is the response name if it is a known one, else `line`.
      const word = line.startsWith('+') ? 'continuation' : (UNTAGGED_WORD_RE.exec(line)?.[1] ?? 'line')
      this.#flag('untagged_before_tls', evidenceKindOf(word), raw, out)
      return
    }
    const tag = tagged[1] ?? ''
    const command = this.#pending.get(tag)
    // A tagged reply to a command the client has not sent (yet): the reorder/injection class.
    if (command === undefined) {
      this.#flag('untagged_before_tls', 'tagged', raw, out)
      return
    }
    this.#pending.delete(tag)
    const status = (tagged[2] ?? '').toUpperCase() as StarttlsReply
    if (command === 'STARTTLS') {
      this.#starttlsReply = status
      if (status !== 'OK') this.#add('starttls_refused', out)
      return
    }
    this.#answeredBeforeStarttls = true
    const code = CAPABILITY_CODE_RE.exec(line)
    if (code !== null && command === 'CAPABILITY') this.#setCaps(code[1], out)
  }

  #greetingLine(line: string, raw: string, out: Anomaly[]): void {
    const m = GREETING_RE.exec(line)
    if (m === null) {
      this.#greeting = 'OK'
      this.#flag('untagged_before_tls', 'line', raw, out)
      return
    }
    this.#greeting = (m[1] ?? 'OK').toUpperCase() as 'OK' | 'PREAUTH' | 'BYE'
    if (this.#greeting === 'BYE') {
      this.#closedByServer = true
      return
    }
    // RFC 2595 §3.1: STARTTLS is only valid in the not-authenticated state, so PREAUTH on a
    // connection that must upgrade keeps it cleartext for good.
    if (this.#greeting === 'PREAUTH') this.#add('preauth_before_tls', out)
    const code = CAPABILITY_CODE_RE.exec(line)
    if (code !== null && this.#greeting === 'OK') this.#setCaps(code[1], out)
  }
}
