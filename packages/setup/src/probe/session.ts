// One probe: connect to a candidate, bring TLS up exactly as the guard would, and record an
// Observation judged against the candidate's own provisional commitment. No credential is ever
// sent (RFC 8314 §5.1): the only commands are capability discovery, STARTTLS, `ID NIL` on an
// authenticated IMAP session, and the goodbye. Pre-TLS text is recorded, never acted upon,
// except that a missing or refused upgrade ends the probe (fail closed).
import { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type Commitment,
  createCommitment,
  evaluate,
  type IsoTime,
  type Observation,
  type Service,
} from '@mua-sts/core'
import {
  createTlsParams,
  type DaneConfig,
  daneReady,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
  type TrustOptions,
} from '@mua-sts/transport'
import type { Candidate } from '../discover/candidate.js'
import { Conn } from './conn.js'
import { dialTcp, TlsHandshakeError } from './dial.js'
import type { Dialog } from './dialog.js'
import { explainProbeFailure, ProbeFailure } from './failure.js'
import { imapDialog } from './imap-dialog.js'
import { pop3Dialog } from './pop3-dialog.js'
import type { ProbeResult } from './result.js'
import { smtpDialog } from './smtp-dialog.js'

const DIALOGS: Readonly<Record<Service, Dialog>> = {
  imap: imapDialog,
  pop3: pop3Dialog,
  submission: smtpDialog,
}

/** Account ref of provisional commitments; they are never stored. */
export const PROBE_ACCOUNT = 'mua-sts-setup-probe'

/** The commitment a candidate would get if it were pinned as discovered: what each probe is judged by. */
export function provisionalCommitment(candidate: Candidate, now: IsoTime): Commitment {
  return createCommitment({
    account: PROBE_ACCOUNT,
    service: candidate.service,
    host: candidate.host,
    port: candidate.port,
    transport: candidate.transport,
    source: 'setup',
    now,
  })
}

export type SessionContext = {
  /** probe()'s parsed `trust` (anchors and the dial resolver), exactly as the guards take it. */
  readonly trust: TrustOptions
  /** The validating resolver for TLSA lookups, if the app configured one (#15). */
  readonly dane?: DaneConfig | undefined
  /** Ends the probe: deadline, early stop or the caller's abort; its reason is a ProbeFailure. */
  readonly signal: AbortSignal
  readonly now: IsoTime
  readonly onTlsOk: (tlsVersion: string) => void
}

/** Where the connection stands once the security-relevant steps are done. */
type Reached = { readonly observation: Observation; readonly tls?: TLSSocket; readonly facts: SessionFacts }

type Flow = {
  readonly conn: Conn
  readonly dialog: Dialog
  readonly params: TlsParams
  readonly base: Pick<SessionFacts, 'service' | 'endpoint'>
  readonly onTlsOk: (tlsVersion: string) => void
}

async function upgradeOrObserve(flow: Flow, facts: SessionFacts): Promise<Reached | TLSSocket> {
  try {
    const tls = await flow.conn.upgrade(flow.params)
    flow.onTlsOk(tls.getProtocol() ?? 'unknown')
    // The TLSA answer (#15), looked up while the dial and handshake ran; nothing is sent meanwhile.
    const dane = daneReady(flow.params.dane, tls)
    if (dane !== undefined) await dane
    return tls
  } catch (error) {
    if (!(error instanceof TlsHandshakeError)) throw error
    return { observation: observeHandshakeFailure(error.cause, flow.params, facts), facts }
  }
}

async function implicitTls(flow: Flow): Promise<Reached> {
  const facts: SessionFacts = { ...flow.base, transport: 'implicit-tls' }
  const tls = await upgradeOrObserve(flow, facts)
  if (!(tls instanceof TLSSocket)) return tls
  await flow.dialog.greeting(flow.conn, 'tls')
  const { caps } = await flow.dialog.capabilities(flow.conn, 'tls')
  const after: SessionFacts = { ...facts, capsAfterTls: caps }
  return { observation: observeSecureSocket(tls, flow.params, after), tls, facts: after }
}

function preTls(flow: Flow, capsBeforeTls: readonly string[], anomalies: readonly Anomaly[]): Reached {
  const facts: SessionFacts = { ...flow.base, transport: 'plaintext', capsBeforeTls, anomalies }
  return { observation: observePreTls(facts), facts }
}

// RFC 2595 §3.1 / RFC 3207 §4.2: greeting and capabilities in cleartext, STARTTLS, exactly one
// reply, nothing buffered behind it, then TLS and the capabilities again.
async function startTls(flow: Flow): Promise<Reached> {
  const { conn, dialog } = flow
  const greeting = await dialog.greeting(conn, 'plain')
  if (greeting.anomalies.length > 0) return preTls(flow, greeting.caps, greeting.anomalies)
  const before = await dialog.capabilities(conn, 'plain')
  const capsBeforeTls = before.caps.length > 0 ? before.caps : greeting.caps
  if (before.anomalies.length > 0) return preTls(flow, capsBeforeTls, before.anomalies)
  if (!dialog.offersStartTls(capsBeforeTls)) return preTls(flow, capsBeforeTls, ['starttls_not_offered'])
  const reply = await dialog.startTls(conn)
  const anomalies: Anomaly[] = [...reply.anomalies]
  if (reply.outcome === 'refused') anomalies.push('starttls_refused')
  if (conn.buffered > 0) anomalies.push('bytes_after_starttls')
  if (anomalies.length > 0) return preTls(flow, capsBeforeTls, anomalies)
  const facts: SessionFacts = { ...flow.base, transport: 'starttls', capsBeforeTls }
  const tls = await upgradeOrObserve(flow, facts)
  if (!(tls instanceof TLSSocket)) return tls
  const { caps } = await dialog.capabilities(conn, 'tls')
  const after: SessionFacts = { ...facts, capsAfterTls: caps }
  return { observation: observeSecureSocket(tls, flow.params, after), tls, facts: after }
}

const isCancellation = (error: unknown): boolean =>
  error instanceof ProbeFailure && (error.code === 'aborted' || error.code === 'superseded')

/**
 * Reads the DEEP / STS advertisement on a compliant session and says goodbye. A server that breaks
 * here (timeout, garbage) stays compliant, just without an advertisement: nothing is learned from it.
 */
async function withAdvertisement(
  conn: Conn,
  dialog: Dialog,
  tls: TLSSocket,
  params: TlsParams,
  reached: Reached,
): Promise<Observation> {
  try {
    const advertisement = await dialog.advertisement(conn, reached.facts.capsAfterTls ?? [])
    const observation =
      advertisement === undefined
        ? reached.observation
        : observeSecureSocket(tls, params, { ...reached.facts, advertisement })
    conn.goodbye(dialog.goodbye(conn))
    return observation
  } catch (error) {
    if (isCancellation(error)) throw error
    conn.destroy()
    return reached.observation
  }
}

function failedResult(candidate: Candidate, error: unknown): ProbeResult {
  const failure =
    error instanceof ProbeFailure
      ? error
      : new ProbeFailure('internal', `unexpected: ${error instanceof Error ? error.message : String(error)}`)
  return {
    candidate,
    status: isCancellation(failure) ? 'cancelled' : 'failed',
    violations: [],
    failure: { code: failure.code, message: failure.message },
  }
}

/**
 * Probes one candidate. Does network I/O; never throws (every outcome is a ProbeResult). The sockets
 * are closed when it resolves, except a compliant session's polite goodbye, which closes by itself.
 */
export async function probeCandidate(candidate: Candidate, ctx: SessionContext): Promise<ProbeResult> {
  const commitment = provisionalCommitment(candidate, ctx.now)
  // With a resolver, the TLSA lookup starts here and runs while the dial and the handshake do.
  const params = createTlsParams(commitment, ctx.trust, ctx.dane)
  const dialog = DIALOGS[candidate.service]
  let conn: Conn | undefined
  try {
    conn = new Conn(
      await dialTcp(candidate.host, candidate.port, ctx.signal, params.options.lookup),
      ctx.signal,
    )
    const base = { service: candidate.service, endpoint: { host: candidate.host, port: candidate.port } }
    const flow: Flow = { conn, dialog, params, base, onTlsOk: ctx.onTlsOk }
    const reached = candidate.transport === 'implicit-tls' ? await implicitTls(flow) : await startTls(flow)
    const verdict = evaluate(commitment, reached.observation)
    if (verdict.outcome !== 'ok' || reached.tls === undefined) {
      // Not compliant: nothing more is written, not even a goodbye (the peer may be an attacker).
      conn.destroy()
      const violations = verdict.outcome === 'ok' ? [] : verdict.violations
      const code = violations[0]?.code ?? 'tls_not_established'
      return {
        candidate,
        status: 'refused',
        observation: reached.observation,
        violations,
        failure: { code, message: explainProbeFailure(code) },
      }
    }
    const observation = await withAdvertisement(conn, dialog, reached.tls, params, reached)
    return { candidate, status: 'compliant', observation, violations: [] }
  } catch (error) {
    conn?.destroy()
    return failedResult(candidate, error)
  }
}
