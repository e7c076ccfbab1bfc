// MX-based lookup, as Thunderbird does it: many domains host mail at a provider whose autoconfig
// (or ISPDB entry) lives under the MX host's domain. The MX answer is unauthenticated and the
// provider is not the mail domain, so everything found this way needs the user's confirmation.
import { z } from 'zod'
import { type AutoconfigContext, autoconfigUrl, fetchDocument, ispdbCandidates } from './autoconfig-fetch.js'
import { raceSignal, sourceSignal } from './deadline.js'
import { dnsFailure } from './dns-error.js'
import { normalizeDomain } from './email.js'
import { IssueCode, SourceFailure } from './errors.js'
import { issueFromError, mergeOutcomes, outcomeOfIssue, type SourceOutcome } from './outcome.js'
import type { DiscoveryResolver } from './resolver.js'
import { mxDerivedTrust } from './trust.js'

export type MxContext = AutoconfigContext & {
  readonly resolver: DiscoveryResolver
  readonly ispdbTemplate: string | undefined
}

// Second-level labels that commonly sit under a two-letter ccTLD as a public suffix (co.uk, com.au,
// ne.jp, …). A heuristic, not the Public Suffix List: a wrong guess only changes which provider
// domain is asked, and every result from here is `needs-confirmation` anyway.
const SHORT_SECOND_LEVEL = new Set([
  'ac',
  'co',
  'com',
  'edu',
  'gov',
  'ltd',
  'me',
  'ne',
  'net',
  'or',
  'org',
  'plc',
])

/**
 * The MX host's "registrable" domain by heuristic: the last two labels, or the last three when the
 * top level is a two-letter ccTLD and the second level is a short public suffix (`mx.isp.co.uk`
 * → `isp.co.uk`). Pure.
 */
export function registrableDomain(host: string): string {
  const labels = host.split('.')
  const tld = labels.at(-1) ?? ''
  const second = labels.at(-2) ?? ''
  const keep = labels.length >= 3 && tld.length === 2 && SHORT_SECOND_LEVEL.has(second) ? 3 : 2
  return labels.slice(-keep).join('.')
}

const MxRecordsSchema = z.array(z.object({ exchange: z.string(), priority: z.int().min(0).max(65535) }))

async function bestExchange(context: MxContext, signal: AbortSignal): Promise<string> {
  const raw = await raceSignal(context.resolver.resolveMx(context.domain), signal).catch((error: unknown) => {
    throw signal.aborted ? error : dnsFailure(error, context.domain)
  })
  const parsed = MxRecordsSchema.safeParse(raw)
  if (!parsed.success) throw new SourceFailure(IssueCode.DnsMalformed, `${context.domain}: malformed MX data`)
  const records = [...parsed.data].sort(
    (a, b) => a.priority - b.priority || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0),
  )
  // RFC 7505: a single MX with the root as exchange means the domain accepts no mail.
  if (records.length === 1 && (records[0]?.exchange === '' || records[0]?.exchange === '.')) {
    throw new SourceFailure(IssueCode.MxNull, `${context.domain}: null MX (RFC 7505)`)
  }
  for (const record of records) {
    const host = normalizeDomain(record.exchange)
    if (host !== undefined) return host
  }
  throw new SourceFailure(IssueCode.DnsMalformed, `${context.domain}: no MX host is a valid host name`)
}

/** MX lookup, then autoconfig (and ISPDB, if configured) for the MX host's domain. Never rejects. */
export async function mxCandidates(context: MxContext): Promise<SourceOutcome> {
  const source = 'mx-autoconfig'
  const signal = sourceSignal(context.caller, context.timeoutMs)
  let provider: string
  try {
    const exchange = await bestExchange(context, signal)
    provider = registrableDomain(exchange)
    if (provider === context.domain) {
      // The direct autoconfig lookups already asked this domain.
      throw new SourceFailure(IssueCode.MxSameDomain, `MX ${exchange} is in the mail domain itself`)
    }
  } catch (error) {
    const issueContext = { source, target: context.domain, signal, caller: context.caller } as const
    return outcomeOfIssue(issueFromError(error, issueContext, IssueCode.DnsError))
  }
  const lookups = [
    fetchDocument(
      { source, url: autoconfigUrl(provider), withAddress: false, trust: () => mxDerivedTrust },
      context,
    ),
  ]
  if (context.ispdbTemplate !== undefined) {
    lookups.push(ispdbCandidates(context.ispdbTemplate, provider, source, mxDerivedTrust, context))
  }
  return mergeOutcomes(await Promise.all(lookups))
}
