// The proposal a setup wizard shows, and that confirm() takes back. It is schema-checked on the way
// back in (house style H14) and sealed (seal.ts): a UI may serialise it, and nothing gets pinned
// from an altered copy.
import {
  AccountRefSchema,
  CommitmentSchema,
  IsoTimeSchema,
  ObservationSchema,
  ServiceSchema,
  TlsFloorSchema,
} from '@mua-sts/core'
import { z } from 'zod'
import { CandidateSchema, UntrustedReasonSchema } from '../discover/candidate.js'

/** Something the user must acknowledge before confirm() pins anything (RFC 8314 §5.1, RFC 6186 §6). */
export const ConfirmationItemSchema = z.strictObject({
  /** Stable id, `<service>/<reason>/<host>:<port>`; confirm() wants every id of the chosen services. */
  id: z.string().max(400),
  service: ServiceSchema,
  host: z.string().max(253),
  port: z.int().min(1).max(65535),
  reason: UntrustedReasonSchema,
  /** Plain-language question for the user. */
  message: z.string().max(1000),
})
export type ConfirmationItem = z.infer<typeof ConfirmationItemSchema>

export const RejectedCandidateSchema = z.strictObject({
  candidate: CandidateSchema,
  status: z.enum(['refused', 'failed', 'cancelled']),
  code: z.string().max(64),
  message: z.string().max(1000),
})
export type RejectedCandidate = z.infer<typeof RejectedCandidateSchema>

export const ServiceProposalSchema = z.strictObject({
  service: ServiceSchema,
  /** The discovered candidate this proposal pins. */
  candidate: CandidateSchema,
  /** TLS version the probe negotiated. */
  tlsVersion: z.string().max(32),
  /**
   * What the probe of `candidate` observed (no credential was sent). confirm() checks the commitment
   * it is about to verify against this before any credential test, e.g. a pinned key the server no
   * longer presents is a conflict, not a failed login.
   */
  observation: ObservationSchema,
  /** What confirm() will pin: endpoint, TLS floor, and latches already learned after TLS. */
  commitment: CommitmentSchema,
  /** Provenance keys learned from the server's post-TLS advertisement (e.g. `latch:tls12`). */
  learned: z.array(z.string().max(128)),
  /** Why this endpoint, in plain language. */
  reasons: z.array(z.string().max(1000)),
  confirmations: z.array(ConfirmationItemSchema),
  /** Other compliant candidates of the service, best first (not pinned). */
  alternatives: z.array(CandidateSchema),
  /**
   * Empty unless `candidate` needs confirmation although the discovery found trusted candidates for
   * the service; then each of those trusted candidates, and why it did not work (an untrusted endpoint
   * is proposed only when no trusted one works, #12). Show it next to the confirmation question.
   */
  trustedFailures: z.array(RejectedCandidateSchema),
  /**
   * Trust label "DANE-validated": the probe found DNSSEC-signed TLSA records for this endpoint that
   * matched its key (#15). Absent otherwise.
   */
  daneValidated: z.literal(true).optional(),
})
export type ServiceProposal = z.infer<typeof ServiceProposalSchema>

export const MissingServiceSchema = z.strictObject({
  service: ServiceSchema,
  /**
   * `not_offered`: SRV "." says so; `no_candidates`: discovery found nothing; `none_compliant`: some
   * candidate answered but none met the requirements; `unreachable`: no candidate could be reached.
   */
  reason: z.enum(['not_offered', 'no_candidates', 'none_compliant', 'unreachable']),
  message: z.string().max(1000),
})
export type MissingService = z.infer<typeof MissingServiceSchema>

export const ProposalSchema = z.strictObject({
  account: AccountRefSchema,
  domain: z.string().max(253),
  generatedAt: IsoTimeSchema,
  tlsFloor: TlsFloorSchema,
  services: z.array(ServiceProposalSchema).max(3),
  missing: z.array(MissingServiceSchema).max(3),
  rejected: z.array(RejectedCandidateSchema),
  /** Every confirmation item of every proposed service. */
  confirmations: z.array(ConfirmationItemSchema),
  /** The whole proposal in plain language, one sentence per line. */
  explanation: z.array(z.string().max(2000)),
  /**
   * `hmac-sha256:<base64url>` over the canonical JSON of every other field (see seal.ts). confirm()
   * refuses a proposal whose seal does not match with MUASTS_ERR_PROPOSAL_TAMPERED.
   */
  seal: z.string().max(128),
})
export type Proposal = z.infer<typeof ProposalSchema>
