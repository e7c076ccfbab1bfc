// What each protocol contributes to a probe. The probe (session.ts) owns the order of steps and the
// security decisions; a dialog only speaks its protocol and reports what it saw, as core anomalies
// and raw capability strings (house style H4).
import type { Anomaly, DeepStatus, StsPolicy } from '@mua-sts/core'
import type { Conn } from './conn.js'

export type Phase = 'plain' | 'tls'

/** Capabilities plus any attack signature seen while reading them (pre-TLS only). */
export type CapabilityRead = { readonly caps: readonly string[]; readonly anomalies: readonly Anomaly[] }

export type StartTlsOutcome = 'ready' | 'refused'

export type Advertisement = { deep?: DeepStatus; sts?: StsPolicy }

export interface Dialog {
  /** Reads the greeting. Pre-TLS anomalies (IMAP PREAUTH) are returned; a refusal throws. */
  greeting(conn: Conn, phase: Phase): Promise<CapabilityRead>
  /** Asks for capabilities (CAPABILITY / CAPA / EHLO). */
  capabilities(conn: Conn, phase: Phase): Promise<CapabilityRead>
  /** The pre-TLS capability list offers the upgrade (STARTTLS / STLS). */
  offersStartTls(caps: readonly string[]): boolean
  /** Sends the upgrade command and reads exactly its one reply; nothing else is sent. */
  startTls(conn: Conn): Promise<{ outcome: StartTlsOutcome; anomalies: readonly Anomaly[] }>
  /**
   * The DEEP / STS advertisement over TLS. Called only after the provisional commitment was met, so
   * an extra command here (IMAP `ID NIL`) goes to an authenticated server and reveals nothing.
   */
  advertisement(conn: Conn, capsAfterTls: readonly string[]): Promise<Advertisement | undefined>
  /** The polite goodbye command line (LOGOUT / QUIT). */
  goodbye(conn: Conn): string
}
