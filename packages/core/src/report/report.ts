// The versioned JSON report built at the moment of failure (house style H13). It carries no usernames,
// passwords, tokens or message data: the account appears only as an opaque ref. Time and id come from
// the caller (core has no clock and no randomness).
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
import { buildInBand, type ClientIdentity, inBandAllowed } from './in-band.js'

export const REPORT_SCHEMA_VERSION = 1

export const REPORT_ACTIONS = [
  'blocked_before_auth',
  'blocked_before_auth_reported_in_band',
  'blocked_store_integrity',
  'probe_rejected',
] as const
export const ReportActionSchema = z.enum(REPORT_ACTIONS)
export type ReportAction = z.infer<typeof ReportActionSchema>

export const ReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  reportId: z
    .string()
    .min(8)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  generatedAt: IsoTimeSchema,
  account: z.strictObject({ ref: AccountRefSchema }),
  service: ServiceSchema,
  endpoint: z.strictObject({
    host: HostSchema,
    port: PortSchema,
    transport: ObservedTransportSchema.optional(),
  }),
  outcome: z.literal('violated'),
  action: ReportActionSchema,
  violations: z.array(ViolationSchema).min(1).max(32),
  /** Stable across retries of the same failure; computed before any time-varying field. */
  dedupKey: z.string().max(512),
  expected: CommitmentSchema.optional(),
  observed: ObservationSchema.optional(),
  /** Exactly what was (or would be) sent in-band; null when nothing may be sent (server not authenticated). */
  inBand: z
    .strictObject({
      client04: z.string().max(512).optional(),
      client05: z.string().max(512).optional(),
      idFields: z.record(z.string().max(30), z.string().max(1024)),
    })
    .nullable(),
  sdk: z.strictObject({ package: z.string().max(64), version: z.string().max(32) }),
})
export type Report = z.infer<typeof ReportSchema>

export type BuildReportInput = {
  readonly reportId: string
  readonly now: IsoTime
  readonly account: AccountRef
  readonly service: Service
  readonly endpoint: { host: string; port: number }
  readonly violations: readonly Violation[]
  readonly action: ReportAction
  readonly commitment?: Commitment | undefined
  readonly observation?: Observation | undefined
  readonly client?: ClientIdentity | undefined
  /** False for protocols without client-to-server reporting (POP3, DEEP -04 §7.2). Default true. */
  readonly inBandCapable?: boolean | undefined
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
 * Builds a report. Pure. In-band lines are filled only when inBandAllowed() holds and a commitment
 * exists; otherwise `inBand` is null and the guards send nothing more.
 */
export function buildReport(input: BuildReportInput): Report {
  const { commitment, observation } = input
  const allowed =
    input.inBandCapable !== false &&
    commitment !== undefined &&
    inBandAllowed(observation?.serverAuthenticated === true, input.violations)
  const inBand = allowed
    ? buildInBand({ commitment, violations: input.violations, client: input.client ?? null })
    : null
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportId: input.reportId,
    generatedAt: input.now,
    account: { ref: input.account },
    service: input.service,
    endpoint: { host: input.endpoint.host, port: input.endpoint.port },
    outcome: 'violated',
    action: input.action,
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

/** The JSON Schema (draft 2020-12) of a report, as published in docs/reference/report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>
}
