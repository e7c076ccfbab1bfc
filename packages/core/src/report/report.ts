// The versioned JSON report built at the moment of failure (house style H13). It carries no usernames,
// passwords, tokens or message data: the account appears only as an opaque ref. Time and id come from
// the caller (core has no clock and no randomness). Two kinds, told apart by `outcome`: `violated` (the
// connection broke the commitment) and `connection_error` (it failed before any check could run;
// issue #13). Both are schemaVersion 1: the second kind and `observed.evidence` are additions, and the
// format's rule is "additions only within a version" (docs/reference/report-format.md).
import * as z from 'zod'
import { type Violation, ViolationSchema } from '../evaluate/violation.js'
import { type Commitment, CommitmentSchema } from '../model/commitment.js'
import { type Observation, ObservationSchema } from '../model/observation.js'
import {
  type AccountRef,
  AccountRefSchema,
  HostSchema,
  type IsoTime,
  IsoTimeSchema,
  ObservedTransportSchema,
  PortSchema,
  type Service,
  ServiceSchema,
} from '../model/primitives.js'
import { type ConnectionFailure, ConnectionFailureSchema } from './connection-failure.js'
import type { InBand } from './in-band.js'

export const REPORT_SCHEMA_VERSION = 1

/** Actions of a `violated` report. */
export const VIOLATION_ACTIONS = [
  'blocked_before_auth',
  'blocked_before_auth_reported_in_band',
  'blocked_store_integrity',
  'probe_rejected',
] as const
/** Every report action; `connection_failed` is the only action of a `connection_error` report. */
export const REPORT_ACTIONS = [...VIOLATION_ACTIONS, 'connection_failed'] as const
export const ReportActionSchema = z.enum(REPORT_ACTIONS)
export type ReportAction = z.infer<typeof ReportActionSchema>
export type ViolationAction = (typeof VIOLATION_ACTIONS)[number]

const ReportIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
const ReportEndpointSchema = z.strictObject({
  host: HostSchema,
  port: PortSchema,
  transport: ObservedTransportSchema.optional(),
})
const SdkInfoSchema = z.strictObject({ package: z.string().max(64), version: z.string().max(32) })

/** A connection that broke its commitment: refused before any credential was sent. */
export const ViolationReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  reportId: ReportIdSchema,
  generatedAt: IsoTimeSchema,
  account: z.strictObject({ ref: AccountRefSchema }),
  service: ServiceSchema,
  endpoint: ReportEndpointSchema,
  outcome: z.literal('violated'),
  action: z.enum(VIOLATION_ACTIONS),
  violations: z.array(ViolationSchema).min(1).max(32),
  /** Stable across retries of the same failure; computed before any time-varying field. */
  dedupKey: z.string().max(512),
  expected: CommitmentSchema.optional(),
  observed: ObservationSchema.optional(),
  /**
   * Exactly the failure message that was written to the server's socket (IMAP ID fields, or the SMTP
   * CLIENT line), or null when none was. `action` is `blocked_before_auth_reported_in_band` only then.
   */
  inBand: z
    .strictObject({
      client04: z.string().max(512).optional(),
      client05: z.string().max(512).optional(),
      idFields: z.record(z.string().max(30), z.string().max(1024)),
    })
    .nullable(),
  sdk: SdkInfoSchema,
})
export type ViolationReport = z.infer<typeof ViolationReportSchema>

/**
 * A connection that failed before any check could run (refused, reset, closed before protocol data, a
 * TCP connect timeout). Not a violation: `violations` is always empty and `inBand` null, so code that
 * walks `report.violations` stays correct; `failure` says how far the connection got.
 */
export const ConnectionErrorReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  reportId: ReportIdSchema,
  generatedAt: IsoTimeSchema,
  account: z.strictObject({ ref: AccountRefSchema }),
  service: ServiceSchema,
  endpoint: ReportEndpointSchema,
  outcome: z.literal('connection_error'),
  action: z.literal('connection_failed'),
  violations: z.array(ViolationSchema).max(0),
  failure: ConnectionFailureSchema,
  dedupKey: z.string().max(512),
  expected: CommitmentSchema.optional(),
  /** Never set by the guards (nothing was observed); allowed so both kinds share one field set. */
  observed: ObservationSchema.optional(),
  inBand: z.null(),
  sdk: SdkInfoSchema,
})
export type ConnectionErrorReport = z.infer<typeof ConnectionErrorReportSchema>

/** Every report the SDK emits, discriminated by `outcome`. */
export const ReportSchema = z.discriminatedUnion('outcome', [
  ViolationReportSchema,
  ConnectionErrorReportSchema,
])
export type Report = z.infer<typeof ReportSchema>

export type BuildReportInput = {
  readonly reportId: string
  readonly now: IsoTime
  readonly account: AccountRef
  readonly service: Service
  readonly endpoint: { host: string; port: number }
  readonly violations: readonly Violation[]
  readonly action: ViolationAction
  readonly commitment?: Commitment | undefined
  readonly observation?: Observation | undefined
  /**
   * The failure message actually written to the socket (see buildFailureInBand), or null/undefined
   * when none was. With one, `action` must be `blocked_before_auth_reported_in_band`; without one it
   * must not be: a report never claims a message that was not sent.
   */
  readonly inBand?: InBand | null | undefined
  readonly sdk: { package: string; version: string }
}

/** Dedup key: who, where, and which codes — never time, id or observed free text. Pure. */
export function dedupKey(
  account: string,
  service: string,
  host: string,
  port: number,
  violations: readonly Violation[],
): string {
  const codes = [
    ...new Set(violations.map((v) => (v.tag === undefined ? v.code : `${v.code}/${v.tag}`))),
  ].sort()
  return `${account}|${service}|${host}:${port}|${codes.join(',')}`
}

/**
 * Builds a report. Pure. `inBand` records what was sent, and `action` is made to agree with it: a
 * `…_reported_in_band` action without a sent message is downgraded to `blocked_before_auth`, and a sent
 * message upgrades `blocked_before_auth` to `blocked_before_auth_reported_in_band`.
 */
export function buildReport(input: BuildReportInput): ViolationReport {
  const { commitment, observation } = input
  const inBand = input.inBand ?? null
  let action = input.action
  if (inBand === null && action === 'blocked_before_auth_reported_in_band') action = 'blocked_before_auth'
  if (inBand !== null && action === 'blocked_before_auth') action = 'blocked_before_auth_reported_in_band'
  const report: ViolationReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportId: input.reportId,
    generatedAt: input.now,
    account: { ref: input.account },
    service: input.service,
    endpoint: { host: input.endpoint.host, port: input.endpoint.port },
    outcome: 'violated',
    action,
    violations: [...input.violations],
    dedupKey: dedupKey(
      input.account,
      input.service,
      input.endpoint.host,
      input.endpoint.port,
      input.violations,
    ),
    inBand:
      inBand === null
        ? null
        : {
            ...(inBand.client04 === undefined ? {} : { client04: inBand.client04 }),
            ...(inBand.client05 === undefined ? {} : { client05: inBand.client05 }),
            idFields: { ...inBand.idFields },
          },
    sdk: input.sdk,
  }
  if (observation !== undefined) {
    report.endpoint.transport = observation.transport
    report.observed = observation
  }
  if (commitment !== undefined) report.expected = commitment
  return report
}

export type BuildConnectionErrorInput = {
  readonly reportId: string
  readonly now: IsoTime
  readonly account: AccountRef
  readonly service: Service
  readonly endpoint: { host: string; port: number }
  readonly failure: ConnectionFailure
  readonly commitment?: Commitment | undefined
  readonly sdk: { package: string; version: string }
}

/** Builds a `connection_error` report. Pure. The dedup key names the phase, never time or server text. */
export function buildConnectionErrorReport(input: BuildConnectionErrorInput): ConnectionErrorReport {
  const { account, service, endpoint, failure } = input
  const report: ConnectionErrorReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportId: input.reportId,
    generatedAt: input.now,
    account: { ref: account },
    service,
    endpoint: { host: endpoint.host, port: endpoint.port },
    outcome: 'connection_error',
    action: 'connection_failed',
    violations: [],
    failure: { ...failure },
    dedupKey: `${account}|${service}|${endpoint.host}:${endpoint.port}|connection_error/${failure.phase}`,
    inBand: null,
    sdk: input.sdk,
  }
  if (input.commitment !== undefined) report.expected = input.commitment
  return report
}

/** The JSON Schema (draft 2020-12) of a report, as published in docs/reference/report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>
}
