// The data a discovery run hands to the account-setup wizard. Every candidate says where it came
// from and whether it may be used without asking the user (RFC 8314 §5.1, RFC 6186 §6).
import { PortSchema, type Service, ServiceSchema, type Transport, TransportSchema } from '@mua-sts/core'
import { z } from 'zod'
import { IssueCode } from './errors.js'

// Core's vocabulary; TransportSchema has only TLS transports: discovery never proposes cleartext
// (RFC 8314 §5.1).
export { PortSchema, type Service, ServiceSchema, type Transport, TransportSchema }

export const SourceSchema = z.enum([
  'srv',
  'autoconfig',
  'autoconfig-wellknown',
  'ispdb',
  'mx-autoconfig',
  'guess',
  'manual',
])
export type Source = z.infer<typeof SourceSchema>

/** Reasons that make a candidate usable without asking: RFC 8314 §5.1 and RFC 6186 §6. */
export const TrustedReasonSchema = z.enum([
  'dnssec_validated',
  'srv_target_in_domain',
  'https_from_mail_domain',
])
/** Reasons the wizard must show the user before using the candidate. */
export const UntrustedReasonSchema = z.enum([
  'srv_target_outside_domain',
  'plain_http_source',
  'https_redirected_outside_domain',
  'third_party_source',
  'mx_derived',
  'guessed',
  // Typed in by the user (manualCandidate): the user vouches for the name, nothing else does.
  'entered_by_user',
])
export const TrustSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('trusted'), reason: TrustedReasonSchema }),
  z.object({ level: z.literal('needs-confirmation'), reason: UntrustedReasonSchema }),
])
export type Trust = z.infer<typeof TrustSchema>
export type TrustReason = Trust['reason']

/** Lower-case LDH hostname without trailing dot (RFC 1123 §2.1), at most 253 octets. */
export const HostnameSchema = z
  .string()
  .max(253)
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/, 'expected a lower-case LDH hostname')

export const CandidateSchema = z.object({
  service: ServiceSchema,
  host: HostnameSchema,
  port: PortSchema,
  transport: TransportSchema,
  source: SourceSchema,
  trust: TrustSchema,
  /** 0 = most preferred among candidates of the same service; the list is already in this order. */
  priority: z.int().nonnegative(),
})
export type Candidate = z.infer<typeof CandidateSchema>

export const SourceIssueSchema = z.object({
  source: SourceSchema,
  code: z.enum(Object.values(IssueCode) as [IssueCode, ...IssueCode[]]),
  message: z.string(),
  /** The DNS name or URL involved; URLs never carry the email address. */
  target: z.string().optional(),
})
export type SourceIssue = z.infer<typeof SourceIssueSchema>

export const NotOfferedSchema = z.object({ service: ServiceSchema, transport: TransportSchema })
export type NotOffered = z.infer<typeof NotOfferedSchema>

export const DiscoverySchema = z.object({
  /** The email domain, IDNA A-label form, lower case. */
  domain: z.string(),
  candidates: z.array(CandidateSchema),
  /** RFC 6186 §3.4: SRV target "." — the domain says this service/transport is not offered. */
  notOffered: z.array(NotOfferedSchema),
  /** Sources that failed (timeouts, SERVFAIL, bogus DNSSEC, bad XML, TLS errors). */
  errors: z.array(SourceIssueSchema),
  /** Expected absences and notes (NXDOMAIN, NODATA, HTTP 404, dropped plaintext entries). */
  diagnostics: z.array(SourceIssueSchema),
})
export type Discovery = z.infer<typeof DiscoverySchema>

/** A candidate before ranking; `order` is the source's own preference (SRV priority, XML order). */
export type DraftCandidate = Omit<Candidate, 'priority'> & { readonly order: number }

const SERVICE_ORDER: Record<Service, number> = { imap: 0, pop3: 1, submission: 2 }
// Sources the mail domain controls come first; ordering only matters among equally trusted ones.
const SOURCE_ORDER: Record<Source, number> = {
  srv: 0,
  autoconfig: 1,
  'autoconfig-wellknown': 2,
  ispdb: 3,
  'mx-autoconfig': 4,
  guess: 5,
  manual: 6,
}
// RFC 8314 §3: Implicit TLS is preferred over STARTTLS when nothing else decides.
const TRANSPORT_ORDER: Record<Transport, number> = { 'implicit-tls': 0, starttls: 1 }

function compareDrafts(a: DraftCandidate, b: DraftCandidate): number {
  return (
    SERVICE_ORDER[a.service] - SERVICE_ORDER[b.service] ||
    Number(a.trust.level !== 'trusted') - Number(b.trust.level !== 'trusted') ||
    SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] ||
    a.order - b.order ||
    TRANSPORT_ORDER[a.transport] - TRANSPORT_ORDER[b.transport] ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
    a.port - b.port
  )
}

const endpointKey = (c: DraftCandidate): string => `${c.service}|${c.host}|${c.port}|${c.transport}`

/**
 * Sorts, dedupes by service+host+port+transport keeping the best-ranked (most trusted) label, and
 * numbers `priority` per service. Pure and deterministic: equal inputs give equal outputs.
 */
export function rankCandidates(drafts: readonly DraftCandidate[]): Candidate[] {
  const seen = new Set<string>()
  const next: Record<Service, number> = { imap: 0, pop3: 0, submission: 0 }
  const ranked: Candidate[] = []
  for (const draft of [...drafts].sort(compareDrafts)) {
    const key = endpointKey(draft)
    if (seen.has(key)) continue
    seen.add(key)
    const { order: _order, ...candidate } = draft
    ranked.push({ ...candidate, priority: next[draft.service]++ })
  }
  return ranked
}
