// propose(): per service, the best probed endpoint and the commitment to pin for it. Pure (no I/O,
// clock passed in). Three hard rules come before any ranking:
//   - only a probe that met its candidate's provisional commitment counts, and it is re-checked here
//     against the final commitment (PKIX + RFC 7817 identity, TLS >= the floor): a candidate with a
//     bad certificate is never proposed, whatever else it has going for it;
//   - plaintext is never proposed (RFC 8314 §5.1); a commitment cannot even express it;
//   - the trust label is taken from the discovery, not from the probe result.
//
// TLS floor: TLSv1.2 even when the probe negotiated 1.3, unless the app asks for more. One probe
// reaches one front-end; a provider whose other front-ends still stop at 1.2 would otherwise lock
// the account out with no way back but the forget ceremony. RFC 8997 sets 1.2 as the minimum.
import {
  AccountRefSchema,
  type Commitment,
  createCommitment,
  ErrorCode,
  evaluate,
  IsoTimeSchema,
  type Observation,
  parseOptions,
  SdkError,
  SERVICES,
  type Service,
  strengthen,
  type TlsFloor,
  TlsFloorSchema,
} from '@mua-sts/core'
import { z } from 'zod'
import { type Candidate, type Discovery, DiscoverySchema } from '../discover/candidate.js'
import { explainProbeFailure, type ProbeFailureCode } from '../probe/failure.js'
import type { ProbeResult } from '../probe/result.js'
import {
  confirmationFor,
  describeEndpoint,
  describeLearned,
  describeRequirements,
  describeSource,
  SERVICE_NAMES,
} from './explain.js'
import type { MissingService, Proposal, RejectedCandidate, ServiceProposal } from './proposal.js'
import { compareRanks, proposalRank } from './rank.js'

export const ProposeOptionsSchema = z.strictObject({
  /** Opaque account reference the commitments are pinned under (never the address). */
  account: AccountRefSchema,
  /** The moment of the proposal; stamps provenance. */
  now: z.union([z.date(), IsoTimeSchema]),
  /** Minimum TLS version to pin. Default 'TLSv1.2' (see the file comment for why not 1.3). */
  tlsFloor: TlsFloorSchema.default('TLSv1.2'),
})
export type ProposeOptions = z.input<typeof ProposeOptionsSchema>

type Compliant = {
  readonly candidate: Candidate
  readonly observation: Observation
  readonly tlsVersion: string
}
type Tried = { refused: boolean }
type Judged =
  | { readonly ok: true; readonly value: Compliant }
  | { readonly ok: false; readonly value: RejectedCandidate }

const endpointKey = (c: Candidate): string => `${c.service}|${c.host}|${c.port}|${c.transport}`

function baseCommitment(c: Candidate, account: string, tlsFloor: TlsFloor, now: string): Commitment {
  const { service, host, port, transport } = c
  return createCommitment({ account, service, host, port, transport, tlsFloor, source: 'setup', now })
}

function rejected(candidate: Candidate, status: RejectedCandidate['status'], code: ProbeFailureCode): Judged {
  return { ok: false, value: { candidate, status, code, message: explainProbeFailure(code) } }
}

function judge(candidate: Candidate, r: ProbeResult, floor: TlsFloor, now: string): Judged {
  const o = r.observation
  if (r.status !== 'compliant' || o === undefined) {
    const status = r.status === 'compliant' ? 'refused' : r.status
    return rejected(candidate, status, r.failure?.code ?? 'tls_not_established')
  }
  const verdict = evaluate(baseCommitment(candidate, 'probe-check', floor, now), o)
  if (verdict.outcome !== 'ok')
    return rejected(candidate, 'refused', verdict.violations[0]?.code ?? 'tls_not_established')
  // Backstops: evaluate() already implies both, but a proposal must never rest on one check alone.
  if (o.transport === 'plaintext' || o.tls === undefined)
    return rejected(candidate, 'refused', 'tls_not_established')
  if (!o.serverAuthenticated) return rejected(candidate, 'refused', 'certificate_not_trusted')
  return { ok: true, value: { candidate, observation: o, tlsVersion: o.tls.version } }
}

function serviceProposal(
  ranked: readonly Compliant[],
  domain: string,
  account: string,
  floor: TlsFloor,
  now: string,
): ServiceProposal {
  const best = ranked[0] as Compliant
  const c = best.candidate
  const learnedFrom = strengthen(baseCommitment(c, account, floor, now), best.observation, now)
  const commitment = learnedFrom.commitment
  const version = best.tlsVersion.replace('TLSv', '')
  const confirmation = confirmationFor(c, domain)
  const reasons = [
    `${SERVICE_NAMES[c.service]}: ${describeEndpoint(c)}, TLS ${version}, certificate valid for ${c.host}.`,
    `Source: ${describeSource(c, domain)}.`,
    describeRequirements(commitment, best.tlsVersion),
  ]
  const learned = describeLearned(commitment)
  if (learned !== undefined) reasons.push(learned)
  if (ranked.length > 1) {
    reasons.push(
      `Chosen over ${ranked.length - 1} other working server(s): implicit TLS before STARTTLS, then TLS 1.3, then trusted sources.`,
    )
  }
  return {
    service: c.service,
    candidate: c,
    tlsVersion: best.tlsVersion,
    commitment,
    learned: [...learnedFrom.learned],
    reasons,
    confirmations: confirmation === undefined ? [] : [confirmation],
    alternatives: ranked.slice(1).map((x) => x.candidate),
  }
}

function missing(service: Service, discovery: Discovery, tried: Tried | undefined): MissingService {
  const name = SERVICE_NAMES[service]
  if (tried?.refused === true) {
    const message = `No ${name} server met the security requirements, so nothing will be set up for ${name}.`
    return { service, reason: 'none_compliant', message }
  }
  if (tried !== undefined)
    return { service, reason: 'unreachable', message: `No ${name} server could be reached.` }
  if (discovery.notOffered.some((n) => n.service === service)) {
    return {
      service,
      reason: 'not_offered',
      message: `${discovery.domain} says it offers no ${name} (SRV target ".").`,
    }
  }
  return { service, reason: 'no_candidates', message: `No ${name} server was found for ${discovery.domain}.` }
}

/** Why the rejected candidates are out: each security refusal in full, the rest counted. */
function rejectionLines(rejected: readonly RejectedCandidate[]): string[] {
  const lines = rejected
    .filter((r) => r.status === 'refused')
    .map(
      (r) => `Not used: ${SERVICE_NAMES[r.candidate.service]} ${describeEndpoint(r.candidate)}: ${r.message}`,
    )
  const unreachable = rejected.filter((r) => r.status === 'failed').length
  if (unreachable > 0)
    lines.push(`${unreachable} other candidate(s) could not be reached or did not answer properly.`)
  return lines
}

function parseDiscovery(input: Discovery): Discovery {
  const result = DiscoverySchema.safeParse(input)
  if (result.success) return result.data
  throw new SdkError(ErrorCode.InvalidOption, 'propose discovery: not a Discovery', { cause: result.error })
}

/**
 * Picks, per service, the best compliant probe result and builds the commitment to pin for it,
 * with plain-language reasons and the confirmations the user owes. Pure: no I/O, no clock.
 * Results for endpoints that are not in `discovery.candidates` are ignored.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` for invalid options or a malformed discovery.
 */
export function propose(
  discovery: Discovery,
  results: readonly ProbeResult[],
  options: ProposeOptions,
): Proposal {
  const opts = parseOptions(ProposeOptionsSchema, options, 'propose')
  const now = typeof opts.now === 'string' ? opts.now : opts.now.toISOString()
  const disc = parseDiscovery(discovery)
  const known = new Map(disc.candidates.map((c) => [endpointKey(c), c]))
  const compliant = new Map<Service, Compliant[]>()
  const tried = new Map<Service, Tried>()
  const rejectedList: RejectedCandidate[] = []
  for (const r of results) {
    const candidate = known.get(endpointKey(r.candidate))
    if (candidate === undefined) continue
    const judged = judge(candidate, r, opts.tlsFloor, now)
    const seen = tried.get(candidate.service) ?? { refused: false }
    tried.set(candidate.service, {
      refused: seen.refused || (!judged.ok && judged.value.status === 'refused'),
    })
    if (judged.ok)
      compliant.set(candidate.service, [...(compliant.get(candidate.service) ?? []), judged.value])
    else rejectedList.push(judged.value)
  }
  const services: ServiceProposal[] = []
  const missingList: MissingService[] = []
  for (const service of SERVICES) {
    const ranked = [...(compliant.get(service) ?? [])].sort((a, b) =>
      compareRanks(proposalRank(a.candidate, a.tlsVersion), proposalRank(b.candidate, b.tlsVersion)),
    )
    if (ranked.length === 0) missingList.push(missing(service, disc, tried.get(service)))
    else services.push(serviceProposal(ranked, disc.domain, opts.account, opts.tlsFloor, now))
  }
  const confirmations = services.flatMap((s) => s.confirmations)
  const explanation = [
    ...services.flatMap((s) => s.reasons),
    ...confirmations.map((c) => `Needs your confirmation: ${c.message}`),
    ...missingList.map((m) => m.message),
    ...rejectionLines(rejectedList),
  ]
  return {
    account: opts.account,
    domain: disc.domain,
    generatedAt: now,
    tlsFloor: opts.tlsFloor,
    services,
    missing: missingList,
    rejected: rejectedList,
    confirmations,
    explanation,
  }
}
