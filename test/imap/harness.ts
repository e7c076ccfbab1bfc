// Shared set-up for the @mua-sts/imap end-to-end tests: a commitment in a MemoryCommitmentStore, a
// ReportDispatcher whose callback sink records every report (and when it arrived relative to the
// rejection), the guarded connect, and the bare-imapflow contrast an app would write without the SDK.
import {
  type Commitment,
  CommitmentSchema,
  createCommitment,
  isSdkError,
  type Report,
  type ViolationCode,
} from '@mua-sts/core'
import { connectImap, type GuardedImap, type ImapConnectOptions } from '@mua-sts/imap'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'
import { expect } from 'vitest'
import { FAKE_PASS, FAKE_USER, type FakeImapServer } from '../fakes/imap-server.js'
import { testPki } from '../support/certs.js'

export const NOW = new Date('2026-03-01T09:00:00.000Z')
export const ACCOUNT = 'acct_imap_e2e'
export const pki = testPki()

export type Committed = {
  readonly store: MemoryCommitmentStore
  readonly commitment: Commitment
  /** Reports in dispatch order. */
  readonly reports: Report[]
  /** 'report' when a report was dispatched, 'rejected'/'resolved' when connect settled. */
  readonly events: string[]
  options(extra?: Partial<ImapConnectOptions>): ImapConnectOptions
  connect(extra?: Partial<ImapConnectOptions>): Promise<GuardedImap>
}

export type CommitOptions = {
  readonly transport: 'implicit-tls' | 'starttls'
  readonly host?: string
  readonly pins?: readonly string[]
  readonly latches?: readonly string[]
  readonly tlsFloor?: 'TLSv1.2' | 'TLSv1.3'
}

/** A setup-made commitment for `port`, stored, plus recording report sinks. */
export async function commit(port: number, o: CommitOptions): Promise<Committed> {
  const base = createCommitment({
    account: ACCOUNT,
    service: 'imap',
    host: o.host ?? 'localhost',
    port,
    transport: o.transport,
    pins: o.pins ?? [],
    ...(o.tlsFloor === undefined ? {} : { tlsFloor: o.tlsFloor }),
    source: 'setup',
    now: NOW.toISOString(),
  })
  const prov = { source: 'policy' as const, firstSeen: NOW.toISOString(), lastConfirmed: NOW.toISOString() }
  const latches = [...(o.latches ?? [])].sort()
  const provenance = { ...base.provenance }
  for (const t of latches) provenance[`latch:${t}`] = prov
  const commitment = CommitmentSchema.parse({ ...base, latches, provenance })
  const store = new MemoryCommitmentStore({ now: () => NOW })
  await store.strengthen(commitment)
  const reports: Report[] = []
  const events: string[] = []
  const dispatcher = new ReportDispatcher([
    callbackSink((e) => {
      reports.push(e.report)
      events.push('report')
    }),
  ])
  const options = (extra: Partial<ImapConnectOptions> = {}): ImapConnectOptions => ({
    account: ACCOUNT,
    store,
    reports: dispatcher,
    trust: { ca: pki.caCert },
    now: () => NOW,
    timeoutMs: 5000,
    auth: { user: FAKE_USER, pass: FAKE_PASS },
    ...extra,
  })
  const connect = (extra?: Partial<ImapConnectOptions>): Promise<GuardedImap> =>
    connectImap(options(extra)).then(
      (client) => {
        events.push('resolved')
        return client
      },
      (error: unknown) => {
        events.push('rejected')
        throw error
      },
    )
  return { store, commitment, reports, events, options, connect }
}

/**
 * Asserts the refusal contract: MUASTS_ERR_COMMITMENT_VIOLATED with `.report`, that report dispatched
 * (once) before the rejection and carrying `code` (when given), and the stored commitment unchanged.
 */
export async function expectRefused(
  setup: Committed,
  attempt: Promise<unknown>,
  code: ViolationCode | undefined,
): Promise<Report> {
  const error = await attempt.then(
    () => new Error('connectImap resolved, expected a refusal'),
    (e: unknown) => e,
  )
  expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED'), String(error)).toBe(true)
  const report = (error as { report: Report }).report
  if (code !== undefined) expect(report.violations.map((v) => v.code)).toContain(code)
  expect(report.violations.length).toBeGreaterThan(0)
  expect(setup.reports).toEqual([report])
  expect(setup.events).toEqual(['report', 'rejected'])
  expect(report.account.ref).toBe(ACCOUNT)
  expect(JSON.stringify(report)).not.toContain(FAKE_PASS)
  expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  return report
}

/** The server never received ID, LOGIN or AUTHENTICATE, nor the password in any form. */
export function expectNoCredentials(server: FakeImapServer): void {
  expect(server.sawAny(['ID', 'LOGIN', 'AUTHENTICATE'])).toBe(false)
  expect(server.sawBytes(FAKE_PASS)).toBe(false)
}

/** What an app writes without the SDK. Resolves with the client or the error; never throws. */
export async function bareImapflow(
  server: FakeImapServer,
  options: Partial<ImapFlowOptions>,
): Promise<{ client: ImapFlow; error: unknown }> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    logger: false,
    auth: { user: FAKE_USER, pass: FAKE_PASS },
    ...options,
  })
  client.on('error', () => undefined)
  const error = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  )
  return { client, error }
}

/** The server received the credentials (LOGIN, or AUTHENTICATE followed by the SASL response). */
export function sawCredentials(server: FakeImapServer, phase?: 'plain' | 'tls'): boolean {
  const b64 = Buffer.from(`\0${FAKE_USER}\0${FAKE_PASS}`).toString('base64')
  return server.sawBytes(FAKE_PASS, phase) || server.sawBytes(b64, phase)
}

/** The TLS version the client negotiated (imapflow's `tls.version` is the cipher's, not the session's). */
export function negotiatedProtocol(client: ImapFlow): string | null {
  const socket = (client as unknown as { socket?: { getProtocol?: () => string | null } }).socket
  return socket?.getProtocol?.() ?? null
}
