// Shared set-up for the guards' end-to-end tests: a stored commitment in a MemoryCommitmentStore, a
// ReportDispatcher whose callback sink records every report (and when it arrived relative to the
// rejection), a guarded connect bound to them, and the refusal contract every guard must meet.
import {
  type Commitment,
  CommitmentSchema,
  createCommitment,
  isSdkError,
  type Report,
  type Service,
  type ViolationCode,
} from '@mua-sts/core'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { expect } from 'vitest'

export const NOW = new Date('2026-03-01T09:00:00.000Z')

export type CommitOptions = {
  readonly transport: 'implicit-tls' | 'starttls'
  readonly host?: string
  readonly pins?: readonly string[]
  readonly latches?: readonly string[]
  readonly tlsFloor?: 'TLSv1.2' | 'TLSv1.3'
}

export type Committed<O, C> = {
  readonly store: MemoryCommitmentStore
  readonly commitment: Commitment
  /** Reports in dispatch order. */
  readonly reports: Report[]
  /** 'report' when a report was dispatched, 'rejected'/'resolved' when connect settled. */
  readonly events: string[]
  options(extra?: Partial<O>): O
  connect(extra?: Partial<O>): Promise<C>
}

export type GuardSpec<O, C> = {
  readonly account: string
  readonly service: Service
  /** Options every connect gets (auth, trust …) besides account, store, reports, now, timeoutMs. */
  readonly defaults: Partial<O>
  readonly connect: (options: O) => Promise<C>
}

/** A setup-made commitment for `port` (host `localhost` unless given), stored, plus recording sinks. */
export async function commitFor<O, C>(
  spec: GuardSpec<O, C>,
  port: number,
  o: CommitOptions,
): Promise<Committed<O, C>> {
  const base = createCommitment({
    account: spec.account,
    service: spec.service,
    host: o.host ?? 'localhost',
    // The test accounts are user@example.test: the fake servers' status URLs live under that domain (#12).
    domain: 'example.test',
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
  const options = (extra: Partial<O> = {}): O =>
    ({
      account: spec.account,
      store,
      reports: dispatcher,
      now: () => NOW,
      timeoutMs: 5000,
      ...spec.defaults,
      ...extra,
    }) as O
  const connect = (extra?: Partial<O>): Promise<C> =>
    spec.connect(options(extra)).then(
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
 * The refusal contract: MUASTS_ERR_COMMITMENT_VIOLATED with `.report`, that report dispatched (once)
 * before the rejection and carrying `code` (when given), no secret in it, the commitment unchanged.
 * `cleanup` closes a client in case the attempt wrongly resolved.
 */
export async function expectRefusal<O, C>(
  spec: GuardSpec<O, C>,
  setup: Committed<O, C>,
  attempt: Promise<unknown>,
  code: ViolationCode | undefined,
  secrets: readonly string[],
  cleanup: (client: unknown) => void = () => undefined,
): Promise<Report> {
  const error = await attempt.then(
    (client) => {
      cleanup(client)
      return new Error(`${spec.service} connect resolved, expected a refusal`)
    },
    (e: unknown) => e,
  )
  expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED'), String(error)).toBe(true)
  const report = (error as { report: Report }).report
  if (code !== undefined) expect(report.violations.map((v) => v.code)).toContain(code)
  expect(report.violations.length).toBeGreaterThan(0)
  expect(report.service).toBe(spec.service)
  expect(setup.reports).toEqual([report])
  expect(setup.events).toEqual(['report', 'rejected'])
  expect(report.account.ref).toBe(spec.account)
  for (const secret of secrets) expect(JSON.stringify(report)).not.toContain(secret)
  expect(await setup.store.get(spec.account, spec.service)).toEqual(setup.commitment)
  return report
}
