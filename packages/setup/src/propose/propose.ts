// propose(): per service, the best probed endpoint and the commitment to pin for it. No I/O, clock
// passed in; the only state it touches is the per-process seal key (seal.ts). Rules, in order:
//   - judge.ts: only results that still meet the final commitment count; plaintext never does;
//   - the trust label is taken from the discovery, not from the probe result;
//   - rank.ts: trust first, so an untrusted endpoint is proposed only when no trusted candidate of
//     the service works, and the proposal then names each trusted one and why it failed (#12);
//   - the proposal is sealed, so confirm() pins exactly what was proposed.
//
// TLS floor: TLSv1.2 even when the probe negotiated 1.3, unless the app asks for more. One probe
// reaches one front-end; a provider whose other front-ends still stop at 1.2 would otherwise lock
// the account out with no way back but the forget ceremony. RFC 8997 sets 1.2 as the minimum.
import {
  AccountRefSchema,
  ErrorCode,
  IsoTimeSchema,
  parseOptions,
  SdkError,
  SERVICES,
  type Service,
  SpkiSchema,
  strengthen,
  TlsFloorSchema,
} from '@mua-sts/core'
import { z } from 'zod'
import { type Candidate, type Discovery, DiscoverySchema } from '../discover/candidate.js'
import type { ProbeResult } from '../probe/result.js'
import { offerDane } from './dane-offer.js'
import {
  confirmationFor,
  describeEndpoint,
  describeLearned,
  describeRequirements,
  describeSource,
  SERVICE_NAMES,
} from './explain.js'
import {
  baseCommitment,
  type Compliant,
  judge,
  missing,
  notProbed,
  rejected,
  rejectionLines,
} from './judge.js'
import type { MissingService, Proposal, RejectedCandidate, ServiceProposal } from './proposal.js'
import { compareRanks, proposalRank } from './rank.js'
import { SealKeySchema, sealOf } from './seal.js'

export const SpkiPinningSchema = z.strictObject({
  /**
   * Pins of keys the server does not use yet (RFC 7469 §4.3: without a backup pin, a lost or
   * rotated key locks the account out until the forget ceremony). At least one.
   */
  backup: z.array(SpkiSchema).min(1).max(15),
})
export type SpkiPinning = z.input<typeof SpkiPinningSchema>

export const ProposeOptionsSchema = z.strictObject({
  /** Opaque account reference the commitments are pinned under (never the address). */
  account: AccountRefSchema,
  /** The moment of the proposal; stamps provenance. */
  now: z.union([z.date(), IsoTimeSchema]),
  /** Minimum TLS version to pin. Default 'TLSv1.2' (see the file comment for why not 1.3). */
  tlsFloor: TlsFloorSchema.default('TLSv1.2'),
  /** Pin the probed leaf key plus these backup keys (RFC 8314 §5.4, RFC 7469). Default: no pins. */
  spkiPinning: SpkiPinningSchema.optional(),
  /**
   * Whether the guards that will enforce these commitments have a DNSSEC-validating resolver (their
   * `dane` option). Only then does a DANE-validated server get a DANE requirement. Default false.
   */
  daneResolver: z.boolean().default(false),
  /** HMAC key for the proposal's seal (>= 32 bytes); default a per-process random key (seal.ts). */
  sealKey: SealKeySchema.optional(),
})
export type ProposeOptions = z.input<typeof ProposeOptionsSchema>
type Opts = z.output<typeof ProposeOptionsSchema> & { readonly nowIso: string }

const endpointKey = (c: Candidate): string => `${c.service}|${c.host}|${c.port}|${c.transport}`

function pinsFor(best: Compliant, opts: Opts): { spki: string[]; backup: string[] } | undefined {
  if (opts.spkiPinning === undefined) return undefined
  const leaf = best.observation.certificate?.spkiSha256 as string // judged: pinnable() held
  const backup = opts.spkiPinning.backup
  if (backup.includes(leaf)) {
    throw new SdkError(
      ErrorCode.InvalidOption,
      `propose options.spkiPinning.backup: ${leaf} is the key ${best.candidate.host} uses now, not a backup (RFC 7469 §4.3)`,
    )
  }
  return { spki: [leaf], backup: [...backup] }
}

function trustedFailureLines(c: Candidate, failures: readonly RejectedCandidate[]): string[] {
  if (failures.length === 0) return []
  const name = SERVICE_NAMES[c.service]
  return [
    `No ${name} server from a trusted source worked, so ${c.host} is used only if you confirm it:`,
    ...failures.map((f) => `Trusted but not working: ${describeEndpoint(f.candidate)}: ${f.message}`),
  ]
}

function serviceProposal(
  ranked: readonly Compliant[],
  trustedFailures: readonly RejectedCandidate[],
  domain: string,
  opts: Opts,
): ServiceProposal {
  const best = ranked[0] as Compliant
  const c = best.candidate
  const pins = pinsFor(best, opts)
  const base = baseCommitment(c, {
    account: opts.account,
    floor: opts.tlsFloor,
    now: opts.nowIso,
    domain,
    ...(pins === undefined ? {} : { pins }),
  })
  const learnedFrom = strengthen(base, best.observation, opts.nowIso)
  const dane = offerDane(learnedFrom.commitment, best.observation, opts.daneResolver, opts.nowIso)
  const commitment = dane.commitment
  const version = best.tlsVersion.replace('TLSv', '')
  const confirmation = confirmationFor(c, domain)
  const reasons = [
    `${SERVICE_NAMES[c.service]}: ${describeEndpoint(c)}, TLS ${version}, certificate valid for ${c.host}.`,
    `Source: ${describeSource(c, domain)}.`,
    describeRequirements(commitment, best.tlsVersion),
  ]
  if (commitment.pins.spki.length > 0)
    reasons.push(
      `Its current key and ${commitment.pins.backup.length} backup key(s) are pinned: any other key is refused.`,
    )
  const learned = describeLearned(learnedFrom.commitment)
  if (learned !== undefined) reasons.push(learned)
  reasons.push(...dane.reasons)
  reasons.push(...trustedFailureLines(c, trustedFailures))
  if (ranked.length > 1) {
    reasons.push(
      `Chosen over ${ranked.length - 1} other working server(s): trusted sources first, then implicit TLS before STARTTLS, then TLS 1.3.`,
    )
  }
  return {
    service: c.service,
    candidate: c,
    tlsVersion: best.tlsVersion,
    observation: best.observation,
    commitment,
    learned: [...learnedFrom.learned],
    reasons,
    confirmations: confirmation === undefined ? [] : [confirmation],
    alternatives: ranked.slice(1).map((x) => x.candidate),
    trustedFailures: [...trustedFailures],
    ...(dane.validated ? { daneValidated: true } : {}),
  }
}

/** Trusted candidates of the service that did not work, when the best one needs confirmation. */
function failedTrusted(
  best: Compliant,
  disc: Discovery,
  rejectedList: readonly RejectedCandidate[],
): RejectedCandidate[] {
  if (best.candidate.trust.level === 'trusted') return []
  return disc.candidates
    .filter((c) => c.service === best.candidate.service && c.trust.level === 'trusted')
    .map((c) => rejectedList.find((r) => endpointKey(r.candidate) === endpointKey(c)) ?? notProbed(c))
}

function parseDiscovery(input: Discovery): Discovery {
  const result = DiscoverySchema.safeParse(input)
  if (result.success) return result.data
  throw new SdkError(ErrorCode.InvalidOption, 'propose discovery: not a Discovery', { cause: result.error })
}

const pinnable = (o: Compliant): boolean => o.observation.certificate?.spkiSha256 !== undefined

/**
 * Picks, per service, the best compliant probe result and builds the commitment to pin for it,
 * with plain-language reasons and the confirmations the user owes, and seals the result. No I/O, no
 * clock. Results for endpoints that are not in `discovery.candidates` are ignored.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` for invalid options, a malformed discovery, or a
 *   backup pin that is the chosen server's current key.
 */
export function propose(
  discovery: Discovery,
  results: readonly ProbeResult[],
  options: ProposeOptions,
): Proposal {
  const parsed = parseOptions(ProposeOptionsSchema, options, 'propose')
  const nowIso = typeof parsed.now === 'string' ? parsed.now : parsed.now.toISOString()
  const opts: Opts = { ...parsed, nowIso }
  const disc = parseDiscovery(discovery)
  const known = new Map(disc.candidates.map((c) => [endpointKey(c), c]))
  const compliant = new Map<Service, Compliant[]>()
  const refused = new Map<Service, boolean>()
  const rejectedList: RejectedCandidate[] = []
  for (const r of results) {
    const candidate = known.get(endpointKey(r.candidate))
    if (candidate === undefined) continue
    let judged = judge(candidate, r, opts.tlsFloor, nowIso)
    if (judged.ok && opts.spkiPinning !== undefined && !pinnable(judged.value))
      judged = rejected(
        candidate,
        'refused',
        'spki_pin_mismatch',
        'The server key could not be read to pin it.',
      )
    const service = candidate.service
    refused.set(service, (refused.get(service) ?? false) || (!judged.ok && judged.value.status === 'refused'))
    if (judged.ok) compliant.set(service, [...(compliant.get(service) ?? []), judged.value])
    else rejectedList.push(judged.value)
  }
  const services: ServiceProposal[] = []
  const missingList: MissingService[] = []
  for (const service of SERVICES) {
    const ranked = [...(compliant.get(service) ?? [])].sort((a, b) =>
      compareRanks(proposalRank(a.candidate, a.tlsVersion), proposalRank(b.candidate, b.tlsVersion)),
    )
    const best = ranked[0]
    if (best === undefined) missingList.push(missing(service, disc, refused.get(service)))
    else services.push(serviceProposal(ranked, failedTrusted(best, disc, rejectedList), disc.domain, opts))
  }
  return seal(opts, disc.domain, services, missingList, rejectedList)
}

function seal(
  opts: Opts,
  domain: string,
  services: ServiceProposal[],
  missingList: MissingService[],
  rejectedList: RejectedCandidate[],
): Proposal {
  const confirmations = services.flatMap((s) => s.confirmations)
  const explanation = [
    ...services.flatMap((s) => s.reasons),
    ...confirmations.map((c) => `Needs your confirmation: ${c.message}`),
    ...missingList.map((m) => m.message),
    ...rejectionLines(rejectedList),
  ]
  const unsealed: Omit<Proposal, 'seal'> = {
    account: opts.account,
    domain,
    generatedAt: opts.nowIso,
    tlsFloor: opts.tlsFloor,
    services,
    missing: missingList,
    rejected: rejectedList,
    confirmations,
    explanation,
  }
  return { ...unsealed, seal: sealOf(unsealed, opts.sealKey) }
}
