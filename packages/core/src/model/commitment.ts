// The per-(account, service) security commitment. It has no expiry anywhere (DEEP -04 §5.1: latches are
// kept indefinitely); it only ever strengthens by itself (see lattice/), and is weakened only by the
// store's audited forget ceremony.
import * as z from 'zod'
import { parseOptions } from '../options.js'
import {
  type AccountRef,
  AccountRefSchema,
  canonicalHost,
  HostSchema,
  HttpsUrlSchema,
  type IsoTime,
  IsoTimeSchema,
  PortSchema,
  type Service,
  ServiceSchema,
  SpkiSchema,
  type TlsFloor,
  TlsFloorSchema,
  type Transport,
  TransportSchema,
} from './primitives.js'
import { SecurityTagSchema, TlsCertDirectiveSchema, TlsVersionDirectiveSchema } from './tags.js'

export const COMMITMENT_FORMAT = 'mua-sts/commitment'
export const COMMITMENT_VERSION = 1

export const ProvenanceSourceSchema = z.enum(['server', 'setup', 'policy'])
export type ProvenanceSource = z.infer<typeof ProvenanceSourceSchema>
export const ProvenanceSchema = z.strictObject({
  source: ProvenanceSourceSchema,
  firstSeen: IsoTimeSchema,
  lastConfirmed: IsoTimeSchema,
})
export type Provenance = z.infer<typeof ProvenanceSchema>

export const EndpointSchema = z.strictObject({
  host: HostSchema,
  port: PortSchema,
  transport: TransportSchema,
})
export type Endpoint = z.infer<typeof EndpointSchema>

export const CommitmentSchema = z.strictObject({
  format: z.literal(COMMITMENT_FORMAT),
  version: z.literal(COMMITMENT_VERSION),
  account: AccountRefSchema,
  service: ServiceSchema,
  endpoint: EndpointSchema,
  /**
   * The account's mail domain (the part after "@"), when setup knew it. Optional so that commitments
   * stored before it existed still parse. It only widens where a status URL may live (model/status-url.ts);
   * it never affects which connections are accepted.
   */
  domain: HostSchema.optional(),
  /** RFC 8314 §5.2 minimum confidentiality level; "high" = TLS + PKIX + RFC 7817 identity, no click-through. */
  minLevel: z.literal('high'),
  tlsFloor: TlsFloorSchema,
  /** DEEP -04 latched tags, sorted and unique. Unknown well-formed tags are kept but not enforced. */
  latches: z.array(SecurityTagSchema).max(64),
  /** MUA-STS -05 §6 directives saved from the server's STS policy. */
  directives: z.strictObject({
    tlsVersion: TlsVersionDirectiveSchema.optional(),
    tlsCert: TlsCertDirectiveSchema.optional(),
  }),
  /**
   * Leaf SPKI pins (RFC 8314 §5.4: set at setup or by policy). Accepted keys are spki ∪ backup; empty
   * means no pinning. A join only narrows the set (lattice/pins.ts); widening is the rotatePins ceremony.
   */
  pins: z.strictObject({ spki: z.array(SpkiSchema).max(16), backup: z.array(SpkiSchema).max(16) }),
  /**
   * DEEP status / sts-url help page shown after a failure (DEEP -04 §5.4). The first accepted one stays
   * (lattice/merge.ts); read it through acceptedStatusUrl(), which re-checks its domain.
   */
  statusUrl: z.strictObject({ url: HttpsUrlSchema, seenAt: IsoTimeSchema }).optional(),
  /** Where each property came from; keys are property names (see provenanceKey). */
  provenance: z.record(z.string().max(128), ProvenanceSchema),
})
export type Commitment = z.infer<typeof CommitmentSchema>

/** Provenance keys: 'endpoint', 'tlsFloor', 'latch:<tag>', 'directive:tls-version', 'pin:<spki>', … */
export function provenanceKey(kind: 'endpoint' | 'tlsFloor' | 'statusUrl'): string
export function provenanceKey(kind: 'latch' | 'directive' | 'pin', name: string): string
export function provenanceKey(kind: string, name?: string): string {
  return name === undefined ? kind : `${kind}:${name}`
}

export type NewCommitmentInput = {
  account: AccountRef
  service: Service
  host: string
  port: number
  transport: Transport
  /** The mail domain of the account's address; scopes learned status URLs (see `domain` above). */
  domain?: string | undefined
  tlsFloor?: TlsFloor
  pins?: readonly string[]
  backupPins?: readonly string[]
  source: 'setup' | 'policy'
  now: IsoTime
}

/**
 * Builds a validated initial commitment (what a setup wizard or an admin policy writes). Pure.
 * Throws MUASTS_ERR_INVALID_OPTION naming the first bad field (e.g. a non-canonical host, a port out of
 * range, a malformed pin), so every commitment in the system passed the schema once.
 */
export function createCommitment(input: NewCommitmentInput): Commitment {
  const prov: Provenance = { source: input.source, firstSeen: input.now, lastConfirmed: input.now }
  const provenance: Record<string, Provenance> = {
    [provenanceKey('endpoint')]: prov,
    [provenanceKey('tlsFloor')]: prov,
  }
  const spki = [...new Set(input.pins ?? [])].sort()
  // A key listed as both is primary: the lists stay disjoint, the normal form merge() produces.
  const backup = [...new Set(input.backupPins ?? [])].filter((p) => !spki.includes(p)).sort()
  for (const p of [...spki, ...backup]) provenance[provenanceKey('pin', p)] = prov
  return parseOptions(
    CommitmentSchema,
    {
      format: COMMITMENT_FORMAT,
      version: COMMITMENT_VERSION,
      account: input.account,
      service: input.service,
      endpoint: { host: canonicalHost(input.host), port: input.port, transport: input.transport },
      ...(input.domain === undefined ? {} : { domain: canonicalHost(input.domain) }),
      minLevel: 'high',
      tlsFloor: input.tlsFloor ?? 'TLSv1.2',
      latches: [],
      directives: {},
      pins: { spki, backup },
      provenance,
    },
    'createCommitment',
  )
}
