// Builds an RFC 8460 §4.4-shaped aggregate from stored reports and security records. One policy per
// (endpoint host, service); the mapping table lives in packages/reports/README.md. Nothing identifying
// leaves: no account refs, no observed capability strings, no certificate data — only hosts, server
// addresses, ports, codes and counts. Successful sessions are counted from the records (issue #14);
// store and keychain faults are not TLS results and are left out (they keep their SDK reports).
import {
  ErrorCode,
  HostSchema,
  parseOptions,
  type Report,
  type ReportAction,
  SdkError,
  type SecurityRecord,
  SecurityRecordSchema,
  type Service,
  ServiceSchema,
} from '@mua-sts/core'
import * as z from 'zod'
import {
  type TlsrptFailureDetail,
  type TlsrptPolicy,
  type TlsrptReport,
  TlsrptReportSchema,
} from './schema.js'

const InstantSchema = z.union([z.date(), z.string().min(1).max(64)])

/** Options of exportAggregate() / buildTlsrptReport(). */
export const TlsrptExportOptionsSchema = z.strictObject({
  /** Start of the reporting period, inclusive. */
  from: InstantSchema,
  /** End of the reporting period, exclusive. RFC 8460 suggests one full UTC day. */
  to: InstantSchema,
  organizationName: z.string().min(1).max(256).optional(),
  contactInfo: z.string().min(1).max(256).optional(),
  /** Defaults to a random id (the outbox method) — the pure builder requires one. */
  reportId: z.string().min(1).max(256).optional(),
  /**
   * Extra successful sessions per policy, added to those counted from security records (for sessions
   * the app counted itself); RFC 8460 needs them for a true ratio.
   */
  successfulSessions: z
    .array(z.strictObject({ host: HostSchema, service: ServiceSchema, count: z.number().int().min(0) }))
    .max(10_000)
    .optional(),
})
/** Input options of exportAggregate() / buildTlsrptReport(). */
export type TlsrptExportOptions = z.input<typeof TlsrptExportOptionsSchema>

/** `organization-name` when the app does not set one. */
export const DEFAULT_ORGANIZATION_NAME = 'mua-sts'

/** Normalises a Date or date string to the toISOString form; throws MUASTS_ERR_INVALID_OPTION. Pure. */
export function toIsoInstant(value: Date | string, what: string): string {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) {
    throw new SdkError(ErrorCode.InvalidOption, `${what}: expected a date or an ISO-8601 timestamp`)
  }
  return date.toISOString()
}

type Group = {
  host: string
  service: Service
  ports: Set<number>
  accounts: Set<string>
  actions: Map<ReportAction, number>
  sessions: number
  details: Map<string, TlsrptFailureDetail>
  successes: number
  latest: Report | undefined
}

function groupFor(groups: Map<string, Group>, host: string, service: Service): Group {
  const key = `${host}\u0000${service}`
  let g = groups.get(key)
  if (g === undefined) {
    g = {
      host,
      service,
      ports: new Set(),
      accounts: new Set(),
      actions: new Map(),
      sessions: 0,
      details: new Map(),
      successes: 0,
      latest: undefined,
    }
    groups.set(key, g)
  }
  return g
}

// Violation codes that describe the local store or keychain, not the TLS session: never exported.
const LOCAL_FAULTS: ReadonlySet<string> = new Set(['store_corrupt', 'store_rollback', 'keychain_unavailable'])

// A DANE check that never ran (no validating resolver, an IP literal) proves nothing about the domain:
// it is a local `validation-failure`, never `dane-required` (RFC 8460 §4.3.2.1 is about TLSA records
// the domain did or did not publish). Reports written before core said so are corrected here too.
function resultTypeOf(v: Report['violations'][number]): TlsrptFailureDetail['result-type'] {
  if (v.code === 'dane_unsatisfied' && v.observed === 'missing') return 'validation-failure'
  return v.resultType
}

function addReport(g: Group, r: Report, receivingIp: string | undefined): void {
  g.sessions++
  g.ports.add(r.endpoint.port)
  g.accounts.add(r.account.ref)
  g.actions.set(r.action, (g.actions.get(r.action) ?? 0) + 1)
  if (g.latest === undefined || r.generatedAt >= g.latest.generatedAt) g.latest = r
  // A session counts once per distinct (result type, code, latch), however often the violation repeats.
  const seen = new Set<string>()
  for (const v of r.violations) {
    const resultType = resultTypeOf(v)
    const key = `${resultType}\u0000${v.code}\u0000${v.tag ?? ''}\u0000${receivingIp ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    const d = g.details.get(key)
    if (d !== undefined) {
      d['failed-session-count']++
      continue
    }
    const detail: TlsrptFailureDetail = {
      'result-type': resultType,
      'receiving-mx-hostname': g.host,
      ...(receivingIp === undefined ? {} : { 'receiving-ip': receivingIp }),
      'failed-session-count': 1,
      'failure-reason-code': v.code,
    }
    if (v.tag !== undefined) detail['x-mua-sts-latch'] = v.tag
    g.details.set(key, detail)
  }
}

function toPolicy(g: Group, successes: number): TlsrptPolicy {
  const details = [...g.details.values()].sort(
    (a, b) =>
      b['failed-session-count'] - a['failed-session-count'] ||
      a['failure-reason-code'].localeCompare(b['failure-reason-code']),
  )
  const policy: TlsrptPolicy = {
    policy: {
      'policy-type': 'no-policy-found',
      'policy-string': [],
      'policy-domain': g.host,
      'mx-host': [g.host],
    },
    summary: { 'total-successful-session-count': successes, 'total-failure-session-count': g.sessions },
    'failure-details': details,
    'x-mua-sts-service': g.service,
    'x-mua-sts-ports': [...g.ports].sort((a, b) => a - b),
    'x-mua-sts-accounts': g.accounts.size,
    'x-mua-sts-actions': Object.fromEntries([...g.actions].sort(([a], [b]) => a.localeCompare(b))),
  }
  const c = g.latest?.expected
  if (c !== undefined) {
    policy['x-mua-sts-commitment'] = {
      transport: c.endpoint.transport,
      'tls-floor': c.tlsFloor,
      latches: [...c.latches],
      pinned: c.pins.spki.length + c.pins.backup.length > 0,
    }
  }
  return policy
}

/**
 * Builds the aggregate for `[from, to)` from `reports` and the security `records` (others are ignored)
 * and validates it against {@link TlsrptReportSchema}. Pure. A record with outcome `passed` counts as
 * one successful session; a refused record lends its server address (`receiving-ip`) to the report it
 * links to. Throws MUASTS_ERR_INVALID_OPTION for bad options.
 */
export function buildTlsrptReport(
  reports: Iterable<Report>,
  options: TlsrptExportOptions & { reportId: string },
  records: Iterable<SecurityRecord> = [],
): TlsrptReport {
  const opts = parseOptions(TlsrptExportOptionsSchema, options, 'exportAggregate')
  const from = toIsoInstant(opts.from, 'exportAggregate options.from')
  const to = toIsoInstant(opts.to, 'exportAggregate options.to')
  if (from >= to)
    throw new SdkError(ErrorCode.InvalidOption, 'exportAggregate options: `from` must be before `to`')
  const groups = new Map<string, Group>()
  const ipByReport = new Map<string, string>()
  const seenRecords = new Set<string>()
  for (const input of records) {
    // Records may come back from disk: only schema-valid ones count.
    const parsed = SecurityRecordSchema.safeParse(input)
    if (!parsed.success) continue
    const rec = parsed.data
    if (rec.recordedAt < from || rec.recordedAt >= to || seenRecords.has(rec.recordId)) continue
    seenRecords.add(rec.recordId)
    if (rec.outcome === 'passed') groupFor(groups, rec.endpoint.host, rec.service).successes++
    else if (rec.reportId !== undefined && rec.remoteAddress !== undefined)
      ipByReport.set(rec.reportId, rec.remoteAddress)
  }
  const seenIds = new Set<string>()
  for (const r of reports) {
    if (r.generatedAt < from || r.generatedAt >= to || seenIds.has(r.reportId)) continue
    // A connection error is no TLS policy result (RFC 8460 §4.3 has no type for an outage): not exported.
    if (r.outcome !== 'violated') continue
    // Neither is a store or keychain fault: the session never reached TLS because of local state.
    if (r.action === 'blocked_store_integrity' || r.violations.every((v) => LOCAL_FAULTS.has(v.code)))
      continue
    seenIds.add(r.reportId)
    addReport(groupFor(groups, r.endpoint.host, r.service), r, ipByReport.get(r.reportId))
  }
  // Policies that only had successful sessions are listed too: RFC 8460 reports successes as well.
  const successes = new Map<string, number>()
  for (const s of opts.successfulSessions ?? []) {
    groupFor(groups, s.host, s.service)
    const key = `${s.host}\u0000${s.service}`
    successes.set(key, (successes.get(key) ?? 0) + s.count)
  }
  const policies = [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => toPolicy(g, g.successes + (successes.get(key) ?? 0)))
  const doc: TlsrptReport = {
    'organization-name': opts.organizationName ?? DEFAULT_ORGANIZATION_NAME,
    'date-range': { 'start-datetime': from, 'end-datetime': to },
    ...(opts.contactInfo === undefined ? {} : { 'contact-info': opts.contactInfo }),
    'report-id': options.reportId,
    policies,
    'x-mua-sts-version': 1,
  }
  const checked = TlsrptReportSchema.safeParse(doc)
  if (!checked.success) {
    throw new SdkError(ErrorCode.Internal, 'the TLSRPT export failed its own schema', {
      cause: checked.error,
    })
  }
  return checked.data
}
