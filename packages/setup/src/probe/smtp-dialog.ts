// SMTP submission probe dialog (RFC 5321, RFC 6409; STARTTLS per RFC 3207). EHLO is sent again
// after TLS (RFC 3207 §4.2: everything learned before is discarded) and its `DEEP` / `MSTS` lines
// carry the advertisement (DEEP -04 §7.3, -05 §9.3). No CLIENT command is sent: the probe has no
// latch to report.
import type { Anomaly } from '@mua-sts/core'
import { advertisementFromCaps } from './advertisement.js'
import type { Conn } from './conn.js'
import type { Advertisement, CapabilityRead, Dialog, StartTlsOutcome } from './dialog.js'
import { ProbeFailure } from './failure.js'

/** RFC 5321 §4.1.4: an address literal, so the machine's host name is not disclosed (DEEP -04 §12). */
export const EHLO_NAME = '[127.0.0.1]'
const MAX_REPLY_LINES = 128
const REPLY_RE = /^([2-5][0-9]{2})([ -])(.*)$|^([2-5][0-9]{2})$/

type Reply = { readonly code: number; readonly lines: readonly string[] }

/** Reads one (possibly multi-line) reply; every line must carry the same code (RFC 5321 §4.2.1). */
async function reply(conn: Conn, what: string): Promise<Reply> {
  const lines: string[] = []
  let code: string | undefined
  for (let i = 0; i < MAX_REPLY_LINES; i++) {
    const m = REPLY_RE.exec(await conn.read())
    const lineCode = m?.[1] ?? m?.[4]
    if (m === null || lineCode === undefined || (code !== undefined && lineCode !== code)) {
      throw new ProbeFailure('protocol_error', `SMTP: malformed reply to ${what}`)
    }
    code = lineCode
    lines.push(m[3] ?? '')
    if (m[2] !== '-') return { code: Number(code), lines }
  }
  throw new ProbeFailure('protocol_error', `SMTP: more than ${MAX_REPLY_LINES} lines in reply to ${what}`)
}

export const smtpDialog: Dialog = {
  goodbye: (): string => 'QUIT',

  async greeting(conn: Conn): Promise<CapabilityRead> {
    const r = await reply(conn, 'the greeting')
    // RFC 5321 §3.1: 554 (or anything but 220) means no service here.
    if (r.code !== 220)
      throw new ProbeFailure('service_unavailable', `SMTP: the server greeted with ${r.code}`)
    return { caps: [], anomalies: [] }
  },

  async capabilities(conn: Conn): Promise<CapabilityRead> {
    conn.send(`EHLO ${EHLO_NAME}`)
    const r = await reply(conn, 'EHLO')
    if (r.code !== 250) throw new ProbeFailure('protocol_error', `SMTP: EHLO answered ${r.code}`)
    // The first line greets; each further line is one extension keyword (RFC 5321 §4.1.1.1).
    const caps = r.lines
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '')
    return { caps, anomalies: [] }
  },

  offersStartTls(caps: readonly string[]): boolean {
    return caps.some((c) => c.toUpperCase() === 'STARTTLS')
  },

  async startTls(conn: Conn): Promise<{ outcome: StartTlsOutcome; anomalies: readonly Anomaly[] }> {
    conn.send('STARTTLS')
    return { outcome: (await reply(conn, 'STARTTLS')).code === 220 ? 'ready' : 'refused', anomalies: [] }
  },

  async advertisement(_conn: Conn, capsAfterTls: readonly string[]): Promise<Advertisement | undefined> {
    return advertisementFromCaps(capsAfterTls)
  },
}
