// Which probe results propose() may use at all, and how the rest is reported. Pure. Hard rules that
// come before any ranking:
//   - only a probe that met its candidate's provisional commitment counts, and it is re-checked here
//     against the final commitment (PKIX + RFC 7817 identity, TLS >= the floor): a candidate with a
//     bad certificate is never proposed, whatever else it has going for it;
//   - plaintext is never proposed (RFC 8314 §5.1); a commitment cannot even express it.
import {
  type Commitment,
  createCommitment,
  evaluate,
  type Observation,
  type Service,
  type TlsFloor,
} from '@mua-sts/core'
import type { Candidate, Discovery } from '../discover/candidate.js'
import { explainProbeFailure, type ProbeFailureCode } from '../probe/failure.js'
import type { ProbeResult } from '../probe/result.js'
import { describeEndpoint, SERVICE_NAMES } from './explain.js'
import type { MissingService, RejectedCandidate } from './proposal.js'

export type Compliant = {
  readonly candidate: Candidate
  readonly observation: Observation
  readonly tlsVersion: string
}
export type Judged =
  | { readonly ok: true; readonly value: Compliant }
  | { readonly ok: false; readonly value: RejectedCandidate }

export type CommitmentInput = {
  readonly account: string
  readonly floor: TlsFloor
  readonly now: string
  /** The mail domain; scopes the status URLs the commitment may learn later (core). */
  readonly domain?: string
  readonly pins?: { readonly spki: readonly string[]; readonly backup: readonly string[] }
}

/** The commitment a candidate gets before anything is learned from its server. */
export function baseCommitment(c: Candidate, input: CommitmentInput): Commitment {
  const { service, host, port, transport } = c
  return createCommitment({
    account: input.account,
    service,
    host,
    port,
    transport,
    tlsFloor: input.floor,
    source: 'setup',
    now: input.now,
    ...(input.domain === undefined ? {} : { domain: input.domain }),
    ...(input.pins === undefined ? {} : { pins: input.pins.spki, backupPins: input.pins.backup }),
  })
}

export function rejected(
  candidate: Candidate,
  status: RejectedCandidate['status'],
  code: ProbeFailureCode,
  message = explainProbeFailure(code),
): Judged {
  return { ok: false, value: { candidate, status, code, message } }
}

/** Re-checks one probe result against the final commitment (without pins: those come from it). */
export function judge(candidate: Candidate, r: ProbeResult, floor: TlsFloor, now: string): Judged {
  const o = r.observation
  if (r.status !== 'compliant' || o === undefined) {
    const status = r.status === 'compliant' ? 'refused' : r.status
    return rejected(candidate, status, r.failure?.code ?? 'tls_not_established')
  }
  const verdict = evaluate(baseCommitment(candidate, { account: 'probe-check', floor, now }), o)
  if (verdict.outcome !== 'ok')
    return rejected(candidate, 'refused', verdict.violations[0]?.code ?? 'tls_not_established')
  // Backstops: evaluate() already implies both, but a proposal must never rest on one check alone.
  if (o.transport === 'plaintext' || o.tls === undefined)
    return rejected(candidate, 'refused', 'tls_not_established')
  if (!o.serverAuthenticated) return rejected(candidate, 'refused', 'certificate_not_trusted')
  return { ok: true, value: { candidate, observation: o, tlsVersion: o.tls.version } }
}

/** A discovered candidate that has no probe result at all: it cannot have worked. */
export function notProbed(candidate: Candidate): RejectedCandidate {
  return { candidate, status: 'cancelled', code: 'not_probed', message: 'It was not probed.' }
}

export function missing(
  service: Service,
  discovery: Discovery,
  refused: boolean | undefined,
): MissingService {
  const name = SERVICE_NAMES[service]
  if (refused === true) {
    const message = `No ${name} server met the security requirements, so nothing will be set up for ${name}.`
    return { service, reason: 'none_compliant', message }
  }
  if (refused !== undefined)
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
export function rejectionLines(list: readonly RejectedCandidate[]): string[] {
  const lines = list
    .filter((r) => r.status === 'refused')
    .map(
      (r) => `Not used: ${SERVICE_NAMES[r.candidate.service]} ${describeEndpoint(r.candidate)}: ${r.message}`,
    )
  const unreachable = list.filter((r) => r.status === 'failed').length
  if (unreachable > 0)
    lines.push(`${unreachable} other candidate(s) could not be reached or did not answer properly.`)
  return lines
}
