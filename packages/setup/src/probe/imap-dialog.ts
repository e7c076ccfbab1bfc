// IMAP probe dialog (RFC 9051; STARTTLS per RFC 2595 §3.1 and RFC 9051 §6.2.1). Before TLS only the
// greeting, `* CAPABILITY` and the tagged replies are legitimate; anything else is recorded as an
// attack signature and never interpreted. After TLS the capability list is asked for again, and
// `ID NIL` (RFC 2971: the client tells nothing about itself) fetches the DEEP status (-04 §7.1).
import { type Anomaly, parseIdParams } from '@mua-sts/core'
import { advertisementFromId } from './advertisement.js'
import type { Conn } from './conn.js'
import type { Advertisement, CapabilityRead, Dialog, Phase, StartTlsOutcome } from './dialog.js'
import { ProbeFailure } from './failure.js'

const GREETING_RE = /^\* (OK|PREAUTH|BYE)(?: (.*))?$/i
const CAPABILITY_CODE_RE = /^\[CAPABILITY ([^\]]*)\]/i
const CAPABILITY_LINE_RE = /^\* CAPABILITY(?: (.*))?$/i
const TAGGED_STATUS_RE = /^(OK|NO|BAD)(?: |$)/i
const ID_LINE_RE = /^\* ID (.*)$/i
const ALERT_RE = /\[ALERT\]/i
const MAX_RESPONSE_LINES = 64

const atoms = (list: string | undefined): string[] => (list ?? '').split(' ').filter((a) => a !== '')

type Tagged = { readonly status: 'OK' | 'NO' | 'BAD'; readonly untagged: readonly string[] }

// Tags are per connection and never reused (RFC 9051 §2.2.1); Conn stays protocol-agnostic.
const tagCounters = new WeakMap<Conn, number>()
function nextTag(conn: Conn): string {
  const n = (tagCounters.get(conn) ?? 0) + 1
  tagCounters.set(conn, n)
  return `m${n}`
}

/** Sends `command` and reads untagged lines until its tagged reply. */
async function run(conn: Conn, command: string): Promise<Tagged> {
  const tag = nextTag(conn)
  conn.send(`${tag} ${command}`)
  const untagged: string[] = []
  for (let i = 0; i < MAX_RESPONSE_LINES; i++) {
    const line = await conn.read()
    if (line.startsWith(`${tag} `)) {
      const status = TAGGED_STATUS_RE.exec(line.slice(tag.length + 1))?.[1]?.toUpperCase()
      if (status === 'OK' || status === 'NO' || status === 'BAD') return { status, untagged }
      throw new ProbeFailure('protocol_error', `IMAP: malformed tagged reply to ${command}`)
    }
    untagged.push(line)
  }
  throw new ProbeFailure(
    'protocol_error',
    `IMAP: more than ${MAX_RESPONSE_LINES} lines in reply to ${command}`,
  )
}

/** Pre-TLS, every untagged line other than `* CAPABILITY` is an injection signature. */
function preTlsAnomalies(lines: readonly string[], phase: Phase): Anomaly[] {
  if (phase === 'tls') return []
  return lines.some((l) => !CAPABILITY_LINE_RE.test(l) || ALERT_RE.test(l)) ? ['untagged_before_tls'] : []
}

function capabilitiesIn(lines: readonly string[]): string[] {
  const caps: string[] = []
  for (const line of lines) {
    const m = CAPABILITY_LINE_RE.exec(line)
    if (m !== null) caps.push(...atoms(m[1]))
  }
  return caps
}

export const imapDialog: Dialog = {
  goodbye: (conn: Conn): string => `${nextTag(conn)} LOGOUT`,

  async greeting(conn: Conn, phase: Phase): Promise<CapabilityRead> {
    const line = await conn.read()
    const m = GREETING_RE.exec(line)
    if (m === null) throw new ProbeFailure('protocol_error', 'IMAP: the greeting is not * OK, PREAUTH or BYE')
    const kind = (m[1] ?? '').toUpperCase()
    if (kind === 'BYE') throw new ProbeFailure('service_unavailable', 'IMAP: the server greeted with BYE')
    const anomalies: Anomaly[] = []
    // RFC 2595 §3.1: STARTTLS is only valid in the not-authenticated state; PREAUTH makes it impossible.
    if (kind === 'PREAUTH' && phase === 'plain') anomalies.push('preauth_before_tls')
    if (phase === 'plain' && ALERT_RE.test(line)) anomalies.push('untagged_before_tls')
    const code = CAPABILITY_CODE_RE.exec(m[2] ?? '')
    return { caps: atoms(code?.[1]), anomalies }
  },

  async capabilities(conn: Conn, phase: Phase): Promise<CapabilityRead> {
    const reply = await run(conn, 'CAPABILITY')
    if (reply.status !== 'OK')
      throw new ProbeFailure('protocol_error', `IMAP: CAPABILITY answered ${reply.status}`)
    return { caps: capabilitiesIn(reply.untagged), anomalies: preTlsAnomalies(reply.untagged, phase) }
  },

  offersStartTls(caps: readonly string[]): boolean {
    return caps.some((c) => c.toUpperCase() === 'STARTTLS')
  },

  async startTls(conn: Conn): Promise<{ outcome: StartTlsOutcome; anomalies: readonly Anomaly[] }> {
    const reply = await run(conn, 'STARTTLS')
    // Any untagged line before the tagged OK arrived in cleartext where only the OK belongs.
    const anomalies: Anomaly[] = reply.untagged.length > 0 ? ['untagged_before_tls'] : []
    return { outcome: reply.status === 'OK' ? 'ready' : 'refused', anomalies }
  },

  async advertisement(conn: Conn, capsAfterTls: readonly string[]): Promise<Advertisement | undefined> {
    // RFC 2971 §3.1: ID may be sent only when the capability lists it; DEEP implies ID (-04 §7.1).
    const upper = capsAfterTls.map((c) => c.toUpperCase())
    if (!upper.includes('ID') && !upper.includes('DEEP') && !upper.includes('STS')) return undefined
    const reply = await run(conn, 'ID NIL')
    if (reply.status !== 'OK') return undefined
    for (const line of reply.untagged) {
      const m = ID_LINE_RE.exec(line)
      if (m === null) continue
      const fields = parseIdParams(m[1] ?? '')
      return fields.ok ? advertisementFromId(fields.value) : undefined
    }
    return undefined
  },
}
