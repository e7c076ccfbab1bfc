// POP3 probe dialog (RFC 1939, CAPA per RFC 2449, STLS per RFC 2595 §4). CAPA is issued again over
// TLS because the DEEP line may change after STLS (DEEP -04 §7.2); POP3 has no client-to-server
// reporting, so the post-TLS CAPA is all the probe needs.
import type { Anomaly } from '@mua-sts/core'
import { advertisementFromCaps } from './advertisement.js'
import type { Conn } from './conn.js'
import type { Advertisement, CapabilityRead, Dialog, StartTlsOutcome } from './dialog.js'
import { ProbeFailure } from './failure.js'

const MAX_CAPA_LINES = 256

async function status(conn: Conn, what: string): Promise<'+OK' | '-ERR'> {
  const line = await conn.read()
  if (line === '+OK' || line.startsWith('+OK ')) return '+OK'
  if (line === '-ERR' || line.startsWith('-ERR ')) return '-ERR'
  throw new ProbeFailure('protocol_error', `POP3: ${what} reply is neither +OK nor -ERR`)
}

export const pop3Dialog: Dialog = {
  goodbye: (): string => 'QUIT',

  async greeting(conn: Conn): Promise<CapabilityRead> {
    if ((await status(conn, 'greeting')) === '-ERR') {
      throw new ProbeFailure('service_unavailable', 'POP3: the server greeted with -ERR')
    }
    return { caps: [], anomalies: [] }
  },

  async capabilities(conn: Conn): Promise<CapabilityRead> {
    conn.send('CAPA')
    // RFC 2449 §5: a server without CAPA answers -ERR; it then offers neither STLS nor DEEP.
    if ((await status(conn, 'CAPA')) === '-ERR') return { caps: [], anomalies: [] }
    const caps: string[] = []
    for (let i = 0; i <= MAX_CAPA_LINES; i++) {
      const line = await conn.read()
      if (line === '.') return { caps, anomalies: [] }
      // RFC 1939 §3: byte-stuffed termination octet.
      caps.push(line.startsWith('.') ? line.slice(1) : line)
    }
    throw new ProbeFailure('protocol_error', `POP3: CAPA listed more than ${MAX_CAPA_LINES} lines`)
  },

  offersStartTls(caps: readonly string[]): boolean {
    return caps.some((c) => c.trim().toUpperCase() === 'STLS')
  },

  async startTls(conn: Conn): Promise<{ outcome: StartTlsOutcome; anomalies: readonly Anomaly[] }> {
    conn.send('STLS')
    return { outcome: (await status(conn, 'STLS')) === '+OK' ? 'ready' : 'refused', anomalies: [] }
  },

  async advertisement(_conn: Conn, capsAfterTls: readonly string[]): Promise<Advertisement | undefined> {
    return advertisementFromCaps(capsAfterTls)
  },
}
