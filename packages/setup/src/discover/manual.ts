// Servers the user typed in, for when discovery found nothing (or nothing that works). RFC 8314 §5.1
// lets a user-entered configuration stand without DNSSEC or in-domain checks, but the user is then
// the only one vouching for the name, so the candidate carries its own label (`entered_by_user`,
// needs-confirmation) and goes through probe() and propose() like any discovered one: same TLS,
// same certificate checks, same confirmation item. A typed-in server never outranks a trusted one.
import { canonicalHost, parseOptions } from '@mua-sts/core'
import { z } from 'zod'
import {
  type Candidate,
  type Discovery,
  HostnameSchema,
  PortSchema,
  ServiceSchema,
  TransportSchema,
} from './candidate.js'

export const ManualCandidateInputSchema = z.strictObject({
  service: ServiceSchema,
  /** As typed: surrounding spaces, upper case and one trailing dot are tolerated (RFC 4343). */
  host: z.string().max(254).transform(canonicalHost).pipe(HostnameSchema),
  port: PortSchema,
  /** 'implicit-tls' or 'starttls'; there is no cleartext choice to make (RFC 8314 §5.1). */
  transport: TransportSchema,
})
export type ManualCandidateInput = z.input<typeof ManualCandidateInputSchema>

/**
 * A candidate for a server the user typed in, labelled `{ level: 'needs-confirmation', reason:
 * 'entered_by_user' }` with source `'manual'`. Pure.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` naming the bad field (e.g. a host with spaces or a
 *   port out of range).
 */
export function manualCandidate(input: ManualCandidateInput): Candidate {
  const { service, host, port, transport } = parseOptions(
    ManualCandidateInputSchema,
    input,
    'manualCandidate',
  )
  return {
    service,
    host,
    port,
    transport,
    source: 'manual',
    trust: { level: 'needs-confirmation', reason: 'entered_by_user' },
    priority: 0,
  }
}

const endpointKey = (c: Candidate): string => `${c.service}|${c.host}|${c.port}|${c.transport}`

/**
 * `discovery` with candidates for the typed-in servers (see manualCandidate) appended after the discovered ones of their service, so
 * that propose() considers their probe results (it ignores endpoints the discovery does not hold).
 * An endpoint that discovery already found keeps its discovered label: typing a name in never makes
 * it more trusted than its source, and never hides a trusted source either. Pure.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` for an invalid entry, as manualCandidate.
 */
export function addManualCandidates(
  discovery: Discovery,
  entries: readonly ManualCandidateInput[],
): Discovery {
  const known = new Set(discovery.candidates.map(endpointKey))
  const next = [...discovery.candidates]
  for (const { service, host, port, transport } of entries) {
    // Only the four typed fields are read: a label or source passed along is ignored, not trusted.
    const c = manualCandidate({ service, host, port, transport })
    if (known.has(endpointKey(c))) continue
    known.add(endpointKey(c))
    const priority = next.filter((x) => x.service === c.service).length
    next.push({ ...c, priority })
  }
  return { ...discovery, candidates: next }
}
