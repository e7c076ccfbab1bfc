// RFC 6186 SRV discovery, with `_submissions._tcp` from RFC 8314 §5.1.
//
// Ordering deviation, on purpose: RFC 2782 picks among equal-priority targets at random, weighted
// by `weight`. A setup wizard wants the same proposal twice in a row, so we sort by priority
// (ascending), then weight (descending), then target and port. Across the implicit-TLS and
// STARTTLS labels of one service the SRV priority still decides (RFC 6186 §3.4); on a tie the
// candidate ranking prefers Implicit TLS (RFC 8314 §3).
import { z } from 'zod'
import type { DraftCandidate, NotOffered, Service, SourceIssue, Transport } from './candidate.js'
import { raceSignal, sourceSignal } from './deadline.js'
import { dnsFailure } from './dns-error.js'
import { type DnssecServer, queryValidated } from './dnssec-query.js'
import { normalizeDomain } from './email.js'
import { IssueCode, SourceFailure } from './errors.js'
import { emptyOutcome, issueFromError, mergeOutcomes, outcomeOfIssue, type SourceOutcome } from './outcome.js'
import type { DiscoveryResolver, SrvRecord } from './resolver.js'
import { srvTrust } from './trust.js'

type SrvLabel = { readonly label: string; readonly service: Service; readonly transport: Transport }

/** The six labels, Implicit TLS first. `_imap`/`_pop3` are used for STARTTLS only, never cleartext. */
export const SRV_LABELS: readonly SrvLabel[] = [
  { label: '_submissions._tcp', service: 'submission', transport: 'implicit-tls' }, // RFC 8314 §5.1
  { label: '_submission._tcp', service: 'submission', transport: 'starttls' }, // RFC 6186 §3.1
  { label: '_imaps._tcp', service: 'imap', transport: 'implicit-tls' }, // RFC 6186 §3.2
  { label: '_imap._tcp', service: 'imap', transport: 'starttls' },
  { label: '_pop3s._tcp', service: 'pop3', transport: 'implicit-tls' }, // RFC 6186 §3.3
  { label: '_pop3._tcp', service: 'pop3', transport: 'starttls' },
]

export type SrvContext = {
  readonly domain: string
  readonly resolver: DiscoveryResolver
  readonly dnssec: DnssecServer | undefined
  readonly caller: AbortSignal | undefined
  readonly timeoutMs: number
}

const u16 = z.int().min(0).max(65535)
const SrvRecordSchema = z.object({ name: z.string(), port: u16, priority: u16, weight: u16 })
const SrvDataSchema = z.object({ target: z.string(), port: u16, priority: u16, weight: u16 })

const isRootTarget = (name: string): boolean => name === '' || name === '.'

// Lower sorts first: priority ascending, then weight descending (RFC 2782 without the dice).
const srvOrder = (r: SrvRecord): number => r.priority * 0x10000 + (0xffff - r.weight)

type Lookup = { records: SrvRecord[]; ad: boolean }

async function lookupValidated(server: DnssecServer, name: string, signal: AbortSignal): Promise<Lookup> {
  const answer = await queryValidated(server, name, 'SRV', signal)
  switch (answer.rcode) {
    case 'NOERROR':
      break
    case 'NXDOMAIN':
      throw new SourceFailure(IssueCode.DnsNxdomain, `${name}: name does not exist (validated resolver)`)
    case 'SERVFAIL':
      // A validating resolver answers SERVFAIL for bogus data (RFC 4035 §5.5); it must not be used.
      throw new SourceFailure(
        IssueCode.DnssecInvalid,
        `${name}: SERVFAIL from the validating resolver (bogus or unverifiable)`,
      )
    default:
      throw new SourceFailure(IssueCode.DnsError, `${name}: ${answer.rcode} from the validating resolver`)
  }
  if (answer.records.length === 0) {
    throw new SourceFailure(
      IssueCode.DnsNodata,
      `${name}: name exists but has no SRV record (validated resolver)`,
    )
  }
  const records = answer.records.map((data) => {
    const parsed = SrvDataSchema.safeParse(data)
    if (!parsed.success) throw new SourceFailure(IssueCode.DnsMalformed, `${name}: malformed SRV data`)
    const { target, ...rest } = parsed.data
    return { name: isRootTarget(target) ? '' : target, ...rest }
  })
  return { records, ad: answer.ad }
}

async function lookup(context: SrvContext, name: string, signal: AbortSignal): Promise<Lookup> {
  // With a validating resolver configured, SRV comes only from it, so the AD bit describes exactly
  // the records used; a bogus answer is never retried through an unvalidated path.
  if (context.dnssec !== undefined) return lookupValidated(context.dnssec, name, signal)
  const raw = await raceSignal(context.resolver.resolveSrv(name), signal).catch((error: unknown) => {
    throw signal.aborted ? error : dnsFailure(error, name)
  })
  const parsed = z.array(SrvRecordSchema).safeParse(raw)
  if (!parsed.success)
    throw new SourceFailure(IssueCode.DnsMalformed, `${name}: resolver returned malformed SRV data`)
  return { records: parsed.data, ad: false }
}

function toOutcome(label: SrvLabel, name: string, found: Lookup, domain: string): SourceOutcome {
  const { service, transport } = label
  const [only] = found.records
  // RFC 2782: "If there is precisely one SRV RR, and its Target is '.', … the service is decidedly
  // not available at this domain."
  if (found.records.length === 1 && only !== undefined && isRootTarget(only.name)) {
    const notOffered: NotOffered[] = [{ service, transport }]
    return { ...emptyOutcome, notOffered }
  }
  const candidates: DraftCandidate[] = []
  const errors: SourceIssue[] = []
  const byPreference = [...found.records].sort(
    (a, b) => srvOrder(a) - srvOrder(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port),
  )
  for (const record of byPreference) {
    if (isRootTarget(record.name)) continue
    const host = normalizeDomain(record.name)
    if (host === undefined || record.port === 0) {
      errors.push({
        source: 'srv',
        code: IssueCode.DnsMalformed,
        message: `${name}: unusable target or port 0`,
        target: name,
      })
      continue
    }
    candidates.push({
      service,
      transport,
      host,
      port: record.port,
      source: 'srv',
      trust: srvTrust(host, domain, found.ad),
      order: srvOrder(record),
    })
  }
  return { ...emptyOutcome, candidates, errors }
}

async function discoverLabel(context: SrvContext, label: SrvLabel): Promise<SourceOutcome> {
  const name = `${label.label}.${context.domain}`
  const signal = sourceSignal(context.caller, context.timeoutMs)
  try {
    return toOutcome(label, name, await lookup(context, name, signal), context.domain)
  } catch (error) {
    const issueContext = { source: 'srv' as const, target: name, signal, caller: context.caller }
    return outcomeOfIssue(issueFromError(error, issueContext, IssueCode.DnsError))
  }
}

/** Queries all six SRV labels in parallel. Does I/O; never rejects. */
export async function srvCandidates(context: SrvContext): Promise<SourceOutcome> {
  return mergeOutcomes(await Promise.all(SRV_LABELS.map((label) => discoverLabel(context, label))))
}
