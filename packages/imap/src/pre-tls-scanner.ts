// Watches every byte an IMAP server sends before TLS on a STARTTLS connection and classifies the
// NO STARTTLS attack classes (spec digest §2a-I) as core anomalies, independently of imapflow's own
// checks. Everything read here is attacker-controlled: it is only ever reported, never learned
// (DEEP -04 §5.1, RFC 9051 §6.2.1) and never shown to the user as server text.
import type { Anomaly } from '@mua-sts/core'

/** A pre-TLS line longer than this is not an IMAP greeting, CAPABILITY or tagged reply. */
export const MAX_PRE_TLS_LINE = 8192
/** Capability atoms kept for the report (core caps them again). */
const MAX_CAPS = 256

export type StarttlsReply = 'OK' | 'NO' | 'BAD'

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
// before TLS (DEF CON "NO STARTTLS" slides): we refuse instead of surfacing it.
const ALERT_RE = /\[ALERT\]/i
const BYE_RE = /^\* BYE(?: |$)/i
const LITERAL_RE = /\{\d+\+?\}$/

function atoms(list: string | undefined): string[] {
  return (list ?? '')
    .split(' ')
    .filter((a) => a !== '')
    .slice(0, MAX_CAPS)
}

/**
 * Incremental scanner for the cleartext part of a STARTTLS session (RFC 9051 §6.2.1, RFC 2595 §3.1).
 * Allowed before TLS: one greeting (`* OK`, optionally with a CAPABILITY code), `* CAPABILITY`
 * responses, tagged replies to CAPABILITY, the single tagged reply to STARTTLS, and `* BYE`.
 * Anything else is an anomaly. Pure state machine: no I/O, never throws.
 */
export class PreTlsScanner {
  #buffer = ''
  #greeting: 'OK' | 'PREAUTH' | 'BYE' | undefined
  #caps: string[] | undefined
  #expectingStarttlsReply = false
  #starttlsReply: StarttlsReply | undefined
  #bytesAfterReply = 0
  #closedByServer = false
  #answeredBeforeStarttls = false
  #failed = false
  readonly #seen = new Set<Anomaly>()

  /** The latest capability list seen before TLS (raw atoms, for the report only). */
  get capsBeforeTls(): readonly string[] {
    return this.#caps ?? []
  }

  get greeting(): 'OK' | 'PREAUTH' | 'BYE' | undefined {
    return this.#greeting
  }

  get starttlsReply(): StarttlsReply | undefined {
    return this.#starttlsReply
  }

  /** Every anomaly detected so far, in detection order. */
  get anomalies(): readonly Anomaly[] {
    return [...this.#seen]
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

  /** imapflow is about to send STARTTLS: the next tagged reply answers it (imapflow never pipelines). */
  expectStarttlsReply(): void {
    this.#expectingStarttlsReply = true
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
      !this.#expectingStarttlsReply &&
      !this.#closedByServer &&
      !this.#failed &&
      !this.#hasStarttls()
    if (strippedBeforeStarttls) this.#add('starttls_not_offered', out)
    return out
  }

  /** Feeds bytes in arrival order. */
  push(chunk: Buffer): ScanResult {
    const found: Anomaly[] = []
    if (this.#failed || this.#closedByServer) return { anomalies: found }
    if (this.#starttlsReply === 'OK') {
      // RFC 9051 §6.2.1 / CVE-2011-0411 class: anything after the OK was not sent over TLS.
      this.#bytesAfterReply += chunk.length
      if (chunk.length > 0) this.#add('bytes_after_starttls', found)
      return { anomalies: found }
    }
    // latin1 keeps one character per byte, so lengths below are byte counts.
    this.#buffer += chunk.toString('latin1')
    for (;;) {
      const end = this.#buffer.indexOf('\n')
      if (end === -1) break
      const line = this.#buffer.slice(0, end).replace(/\r$/, '')
      this.#buffer = this.#buffer.slice(end + 1)
      this.#line(line, found)
      if (this.#upgradeAgreed()) {
        this.#bytesAfterReply = this.#buffer.length
        if (this.#buffer.length > 0) this.#add('bytes_after_starttls', found)
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

  #add(a: Anomaly, out: Anomaly[]): void {
    if (this.#seen.has(a)) return
    this.#seen.add(a)
    out.push(a)
  }

  #hasStarttls(): boolean {
    return (this.#caps ?? []).some((c) => c.toUpperCase() === 'STARTTLS')
  }

  #setCaps(list: string | undefined, out: Anomaly[]): void {
    this.#caps = atoms(list)
    // RFC 2595 §3.1 stripping: a complete pre-TLS capability list without STARTTLS. imapflow (with
    // doSTARTTLS: true) would refuse too; we refuse first so nothing else is written.
    if (!this.#hasStarttls()) this.#add('starttls_not_offered', out)
  }

  #line(line: string, out: Anomaly[]): void {
    if (line.length > MAX_PRE_TLS_LINE) {
      this.#add('untagged_before_tls', out)
      return
    }
    if (ALERT_RE.test(line)) this.#add('untagged_before_tls', out)
    // No literal is legitimate before TLS; after one, the following bytes cannot be framed as lines.
    if (LITERAL_RE.test(line)) this.#add('untagged_before_tls', out)
    if (this.#greeting === undefined) {
      this.#greetingLine(line, out)
      return
    }
    if (BYE_RE.test(line)) {
      this.#closedByServer = true
      return
    }
    const cap = CAPABILITY_LINE_RE.exec(line)
    if (cap !== null) {
      this.#setCaps(cap[1], out)
      return
    }
    const tagged = TAGGED_RE.exec(line)
    if (tagged === null) {
      // Unsolicited untagged data (`* ID …`, `* OK [ALERT] …`, `* 1 EXISTS`), continuation requests
      // or garbage: nothing else is legitimate before TLS.
      this.#add('untagged_before_tls', out)
      return
    }
    const status = (tagged[2] ?? '').toUpperCase() as StarttlsReply
    if (this.#expectingStarttlsReply) {
      this.#starttlsReply = status
      if (status !== 'OK') this.#add('starttls_refused', out)
      return
    }
    this.#answeredBeforeStarttls = true
    const code = CAPABILITY_CODE_RE.exec(line)
    if (code !== null) this.#setCaps(code[1], out)
  }

  #greetingLine(line: string, out: Anomaly[]): void {
    const m = GREETING_RE.exec(line)
    if (m === null) {
      this.#greeting = 'OK'
      this.#add('untagged_before_tls', out)
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
