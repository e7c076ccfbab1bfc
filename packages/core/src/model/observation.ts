// What a live connection actually achieved, as plain data. Adapters (imap/smtp/pop3/setup) translate
// protocol facts into this shape; core never branches on protocol names (house style H4).
import * as z from 'zod'
import { EvidenceSchema, MAX_EVIDENCE } from '../report/evidence.js'
import { CAPABILITY_ATOM_RE, MAX_PRE_TLS_ATOMS } from '../report/sanitize.js'
import { HostSchema, ObservedTransportSchema, PortSchema, ServiceSchema } from './primitives.js'
import { SecurityTagSchema, TlsCertDirectiveSchema, TlsVersionDirectiveSchema } from './tags.js'

/** Protocol anomalies seen before TLS; each is an attack signature (RFC 2595 §3.1, RFC 3207 §4.2). */
export const ANOMALIES = [
  'starttls_not_offered',
  'starttls_refused',
  'preauth_before_tls',
  'bytes_after_starttls',
  'untagged_before_tls',
  // The server went silent (or trickled) before TLS on a committed endpoint: what a stripping attacker
  // does once stripping itself is detected (issue #13). Not proof of an attack, so worded neutrally.
  'stalled_before_tls',
] as const
export const AnomalySchema = z.enum(ANOMALIES)
export type Anomaly = z.infer<typeof AnomalySchema>

export const DeepStatusSchema = z.strictObject({
  tags: z.array(SecurityTagSchema).max(64),
  url: z.string().max(2048).optional(),
})
export type DeepStatus = z.infer<typeof DeepStatusSchema>

export const StsPolicySchema = z.strictObject({
  tlsVersion: TlsVersionDirectiveSchema.optional(),
  tlsCert: TlsCertDirectiveSchema.optional(),
  stsUrl: z.string().max(2048).optional(),
})
export type StsPolicy = z.infer<typeof StsPolicySchema>

export const CertificateObservationSchema = z.strictObject({
  /** PKIX path validation result (RFC 5280) against the configured trust anchors. */
  chainTrusted: z.boolean(),
  /** OpenSSL verify code when untrusted, e.g. CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  chainError: z.string().max(128).optional(),
  expired: z.boolean(),
  /** RFC 7817 / RFC 6125 DNS-ID match; null when not checked because the chain already failed. */
  nameMatch: z.boolean().nullable(),
  matchedIdentity: z.string().max(253).optional(),
  spkiSha256: z.string().max(64).optional(),
})
export type CertificateObservation = z.infer<typeof CertificateObservationSchema>

export const ObservationSchema = z.strictObject({
  service: ServiceSchema,
  endpoint: z.strictObject({ host: HostSchema, port: PortSchema }),
  transport: ObservedTransportSchema,
  tls: z
    .strictObject({
      version: z.string().max(32),
      cipher: z.string().max(128),
      cipherBits: z.number().int().min(0),
    })
    .optional(),
  /** Set when the TLS handshake did not complete (code from Node/OpenSSL, e.g. ERR_SSL_UNSUPPORTED_PROTOCOL). */
  handshakeError: z.string().max(128).optional(),
  certificate: CertificateObservationSchema.optional(),
  /**
   * The DANE outcome of this connection (@mua-sts/dane): `valid`/`invalid` from secure TLSA records,
   * `dnssec-invalid` (bogus or no trustworthy answer), `no-records` (secure denial), `insecure` (unsigned
   * zone). Absent when no DANE check ran (no validating resolver configured, or an IP-literal endpoint).
   */
  dane: z
    .strictObject({ status: z.enum(['valid', 'invalid', 'dnssec-invalid', 'no-records', 'insecure']) })
    .optional(),
  /**
   * Capability atoms of the greeting or a solicited CAPABILITY/CAPA/EHLO reply before TLS: attacker-
   * controlled, so only a few grammar-checked atoms (report/sanitize.ts), only ever reported, never used.
   */
  capsBeforeTls: z.array(z.string().regex(CAPABILITY_ATOM_RE)).max(MAX_PRE_TLS_ATOMS),
  /** Capability entries read after TLS, with control bytes and markup removed. */
  capsAfterTls: z.array(z.string().max(512)).max(256),
  /** Pre-TLS data that was itself the violation, as kind + size + hash only (report/evidence.ts). */
  evidence: z.array(EvidenceSchema).max(MAX_EVIDENCE).optional(),
  /** DEEP / STS advertisement, read only after TLS (DEEP -04 §5.1). */
  advertisement: z
    .strictObject({ deep: DeepStatusSchema.optional(), sts: StsPolicySchema.optional() })
    .optional(),
  anomalies: z.array(AnomalySchema),
  /** Derived by createObservation: TLS up and the server authenticated by PKIX+identity or DANE. */
  serverAuthenticated: z.boolean(),
})
export type Observation = z.infer<typeof ObservationSchema>
export type ObservationInput = Omit<Observation, 'serverAuthenticated'>

/** PKIX validation plus an RFC 7817 identity match: what `tls-cert` asserts (DEEP -04 §11.2). */
export function pkixValid(o: ObservationInput): boolean {
  const c = o.certificate
  return o.tls !== undefined && c?.chainTrusted === true && !c.expired && c.nameMatch === true
}

export function daneValid(o: ObservationInput): boolean {
  return o.tls !== undefined && o.dane?.status === 'valid'
}

/** DEEP -04 §5.3: the server is authenticated by a validated certificate or DANE. */
export function isServerAuthenticated(o: ObservationInput): boolean {
  return o.transport !== 'plaintext' && o.handshakeError === undefined && (pkixValid(o) || daneValid(o))
}

/** Pure constructor that derives `serverAuthenticated` so no adapter can claim it on its own. */
export function createObservation(input: ObservationInput): Observation {
  return { ...input, serverAuthenticated: isServerAuthenticated(input) }
}
