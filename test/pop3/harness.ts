// Shared set-up for the @mua-sts/pop3 end-to-end tests: a commitment in a MemoryCommitmentStore, a
// ReportDispatcher whose callback sink records every report (and when it arrived relative to the
// rejection), the guarded connect, a recorder of every Guard decision (with what the server had seen
// at that moment), and the raw-client contrast an app would write with a gate that always passes.
import {
  type Commitment,
  CommitmentSchema,
  createCommitment,
  isSdkError,
  type Report,
  type ViolationCode,
} from '@mua-sts/core'
import { type ConnectPop3Options, connectPop3, type GuardedPop3, Pop3Client } from '@mua-sts/pop3'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { Guard } from '@mua-sts/transport'
import { expect, vi } from 'vitest'
import { FAKE_PASS, FAKE_TOKEN, FAKE_USER, type FakePop3Server } from '../fakes/pop3-server.js'
import { testPki } from '../support/certs.js'

export const NOW = new Date('2026-03-01T09:00:00.000Z')
export const ACCOUNT = 'acct_pop3_e2e'
export const pki = testPki()

export type Committed = {
  readonly store: MemoryCommitmentStore
  readonly commitment: Commitment
  /** Reports in dispatch order. */
  readonly reports: Report[]
  /** 'report' when a report was dispatched, 'rejected'/'resolved' when connectPop3 settled. */
  readonly events: string[]
  options(extra?: Partial<ConnectPop3Options>): ConnectPop3Options
  connect(extra?: Partial<ConnectPop3Options>): Promise<GuardedPop3>
}

export type CommitOptions = {
  readonly transport: 'implicit-tls' | 'starttls'
  readonly host?: string
  readonly pins?: readonly string[]
  readonly latches?: readonly string[]
  readonly tlsFloor?: 'TLSv1.2' | 'TLSv1.3'
}

/** A setup-made commitment for `port` (host `localhost` unless given), stored, plus recording sinks. */
export async function commit(port: number, o: CommitOptions): Promise<Committed> {
  const base = createCommitment({
    account: ACCOUNT,
    service: 'pop3',
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
  const options = (extra: Partial<ConnectPop3Options> = {}): ConnectPop3Options => ({
    account: ACCOUNT,
    store,
    reports: dispatcher,
    trust: { ca: pki.caCert },
    now: () => NOW,
    timeoutMs: 5000,
    auth: { user: FAKE_USER, pass: FAKE_PASS },
    ...extra,
  })
  const connect = (extra?: Partial<ConnectPop3Options>): Promise<GuardedPop3> =>
    connectPop3(options(extra)).then(
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
    (client) => {
      ;(client as Pop3Client).close()
      return new Error('connectPop3 resolved, expected a refusal')
    },
    (e: unknown) => e,
  )
  expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED'), String(error)).toBe(true)
  const report = (error as { report: Report }).report
  if (code !== undefined) expect(report.violations.map((v) => v.code)).toContain(code)
  expect(report.violations.length).toBeGreaterThan(0)
  expect(report.service).toBe('pop3')
  expect(setup.reports).toEqual([report])
  expect(setup.events).toEqual(['report', 'rejected'])
  expect(report.account.ref).toBe(ACCOUNT)
  expect(JSON.stringify(report)).not.toContain(FAKE_PASS)
  expect(JSON.stringify(report)).not.toContain(FAKE_USER)
  expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  return report
}

/** Asserts a coded failure that is NOT a violation: that code, no report, the commitment unchanged. */
export async function expectFailedWithoutReport(
  setup: Committed,
  attempt: Promise<unknown>,
  code: string,
): Promise<unknown> {
  const error = await attempt.then(
    (client) => {
      ;(client as Pop3Client).close()
      return new Error('connectPop3 resolved, expected a failure')
    },
    (e: unknown) => e,
  )
  expect(isSdkError(error), String(error)).toBe(true)
  expect((error as { code: string }).code).toBe(code)
  expect(setup.reports).toEqual([])
  expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  return error
}

const CREDENTIAL_VERBS = new Set(['USER', 'PASS', 'AUTH', 'APOP', 'SASL-RESPONSE'])
const PLAIN_RESPONSE = Buffer.from(`\0${FAKE_USER}\0${FAKE_PASS}`).toString('base64')

/**
 * The server's byte log holds no USER, PASS, AUTH or APOP line, in either phase, and none of the
 * secrets in any form (password, token, the AUTH PLAIN response). Waits until every connection closed.
 */
export async function expectNoCredentials(server: FakePop3Server): Promise<void> {
  await server.connectionsClosed()
  expect(server.commands.filter((c) => CREDENTIAL_VERBS.has(c.verb))).toEqual([])
  const wire = server.bytes().toString('latin1')
  expect(wire).not.toMatch(/(^|\n)(USER|PASS|AUTH|APOP)\b/i)
  for (const secret of [FAKE_PASS, FAKE_TOKEN, PLAIN_RESPONSE]) expect(wire).not.toContain(secret)
  expect(server.sawCredentials()).toBe(false)
}

export type CheckRecord = { readonly ok: boolean; readonly credentialsBefore: boolean }

/**
 * Records every Guard.check() decision, with whether `server` had already received credentials at
 * that moment. Restored by `vi.restoreAllMocks()`.
 */
export function recordChecks(server: FakePop3Server): CheckRecord[] {
  const records: CheckRecord[] = []
  const original = Guard.prototype.check
  vi.spyOn(Guard.prototype, 'check').mockImplementation(function (this: Guard, ...args) {
    const result = original.apply(this, args)
    records.push({ ok: result.ok, credentialsBefore: server.sawCredentials() })
    return result
  })
  return records
}

/**
 * CONTRAST: the same client without the Guard. The public Pop3Client with a gate that always passes,
 * which is what an app gets when it connects itself (same endpoint, test CA, any TLS overrides).
 */
export async function rawClientLogin(
  server: FakePop3Server,
  patch: Partial<Parameters<typeof Pop3Client.connect>[0]> = {},
): Promise<{ error: unknown }> {
  const error = await Pop3Client.connect({
    ...server.clientEndpoint(),
    tls: { ca: pki.caCert, servername: 'localhost' },
    gate: async () => {},
    ...patch,
  })
    .then(async (client) => {
      await client.login({ user: FAKE_USER, pass: FAKE_PASS })
      await client.quit()
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  return { error }
}
