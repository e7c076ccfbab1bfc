// The security record of one guarded connection, pass or fail (issue #14): what TLS the session
// actually had and what was checked against it. DEEP -04 §6 asks mail software to record the cipher
// suite in use; RFC 8460 needs successful sessions counted, not just failures. Like a report it
// carries no credential, no user name and no mail address: the account is its opaque ref and the
// server is named by host, port and its own IP address. Time and id come from the caller (core is pure).
import * as z from 'zod'
import { ErrorCode, SdkError } from '../errors.js'
import { requiredTlsVersion } from '../evaluate/rules/tls-version.js'
import type { Commitment } from '../model/commitment.js'
import type { Observation } from '../model/observation.js'
import {
  AccountRefSchema,
  HostSchema,
  type IsoTime,
  IsoTimeSchema,
  ObservedTransportSchema,
  PortSchema,
  type Service,
  ServiceSchema,
  TlsFloorSchema,
} from '../model/primitives.js'
import { KNOWN_TAGS, TlsCertDirectiveSchema, TlsVersionDirectiveSchema } from '../model/tags.js'
import { SAFE_TOKEN_RE, safeText } from './sanitize.js'

export const SECURITY_RECORD_FORMAT = 'mua-sts/security-record'
export const SECURITY_RECORD_VERSION = 1

/** DANE status of the connection; `not_checked` when no DANE check ran (no resolver, IP literal). */
export const RECORD_DANE_STATUSES = [
  'valid',
  'invalid',
  'dnssec-invalid',
  'no-records',
  'insecure',
  'not_checked',
] as const

const TokenSchema = z.string().regex(SAFE_TOKEN_RE)

// Built once: a schema per connection cost a measurable share of a loopback connect (issue #17).
const IpAddressSchema = z.union([z.ipv4(), z.ipv6()])

export const SecurityRecordSchema = z.strictObject({
  format: z.literal(SECURITY_RECORD_FORMAT),
  version: z.literal(SECURITY_RECORD_VERSION),
  recordId: z
    .string()
    .min(8)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  recordedAt: IsoTimeSchema,
  account: z.strictObject({ ref: AccountRefSchema }),
  service: ServiceSchema,
  endpoint: z.strictObject({ host: HostSchema, port: PortSchema, transport: ObservedTransportSchema }),
  /** The server's IP address as connected (RFC 8460 `receiving-ip`), when the socket knew it. */
  remoteAddress: IpAddressSchema.optional(),
  /** `passed`: the check passed and the session went on; `refused`: refused before any credential. */
  outcome: z.enum(['passed', 'refused']),
  /** The violation report of a refused connection. */
  reportId: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Absent when no TLS session came up (refused before or during the handshake). */
  tls: z
    .strictObject({
      version: TokenSchema,
      cipher: TokenSchema,
      cipherBits: z.number().int().min(0),
      /** Key-exchange group (e.g. X25519), where Node exposes it (client side, ephemeral key info). */
      group: TokenSchema.optional(),
    })
    .optional(),
  certificate: z
    .strictObject({
      spkiSha256: z.string().max(64).optional(),
      /** Issuer distinguished name of the leaf (CN and O only), sanitized. */
      issuer: z.string().max(256).optional(),
      chainTrusted: z.boolean(),
      expired: z.boolean(),
      nameMatch: z.boolean().nullable(),
    })
    .optional(),
  dane: z.strictObject({ status: z.enum(RECORD_DANE_STATUSES) }),
  serverAuthenticated: z.boolean(),
  /** What the connection was checked against: the commitment's properties, not its provenance. */
  checked: z.strictObject({
    minLevel: z.literal('high'),
    tlsFloor: TlsFloorSchema,
    /** The strictest TLS version demanded by floor, latches and directives. */
    requiredTlsVersion: TokenSchema,
    latches: z.array(z.enum(KNOWN_TAGS)).max(KNOWN_TAGS.length),
    directives: z.strictObject({
      tlsVersion: TlsVersionDirectiveSchema.optional(),
      tlsCert: TlsCertDirectiveSchema.optional(),
    }),
    pinned: z.boolean(),
  }),
  sdk: z.strictObject({ package: z.string().max(64), version: z.string().max(32) }),
})
export type SecurityRecord = z.infer<typeof SecurityRecordSchema>

/** TLS facts only the live socket knows; the transport reads them, core only sanitizes them. */
export type SocketFacts = {
  readonly group?: string | undefined
  readonly issuer?: string | undefined
  readonly remoteAddress?: string | undefined
}

export type BuildSecurityRecordInput = {
  readonly recordId: string
  readonly now: IsoTime
  readonly account: string
  readonly service: Service
  readonly commitment: Commitment
  readonly observation: Observation
  readonly outcome: 'passed' | 'refused'
  readonly reportId?: string | undefined
  readonly socket?: SocketFacts | undefined
  readonly sdk: { package: string; version: string }
}

/**
 * Builds the record of one checked connection. Pure. Socket facts that do not fit the schema (a
 * malformed group name, an address that is not an IP) are dropped, never guessed; the result is
 * validated, so a record that leaves core always parses.
 */
export function buildSecurityRecord(input: BuildSecurityRecordInput): SecurityRecord {
  const { commitment: c, observation: o, socket } = input
  const record: SecurityRecord = {
    format: SECURITY_RECORD_FORMAT,
    version: SECURITY_RECORD_VERSION,
    recordId: input.recordId,
    recordedAt: input.now,
    account: { ref: input.account },
    service: input.service,
    endpoint: { host: o.endpoint.host, port: o.endpoint.port, transport: o.transport },
    outcome: input.outcome,
    dane: { status: o.dane?.status ?? 'not_checked' },
    serverAuthenticated: o.serverAuthenticated,
    checked: {
      minLevel: c.minLevel,
      tlsFloor: c.tlsFloor,
      requiredTlsVersion: requiredTlsVersion(c).version,
      latches: KNOWN_TAGS.filter((t) => c.latches.includes(t)),
      directives: { ...c.directives },
      pinned: c.pins.spki.length + c.pins.backup.length > 0,
    },
    sdk: { ...input.sdk },
  }
  if (input.reportId !== undefined) record.reportId = input.reportId
  if (IpAddressSchema.safeParse(socket?.remoteAddress).success)
    record.remoteAddress = socket?.remoteAddress as string
  if (o.tls !== undefined) {
    record.tls = {
      version: o.tls.version,
      cipher: o.tls.cipher,
      cipherBits: o.tls.cipherBits,
    }
    if (socket?.group !== undefined && SAFE_TOKEN_RE.test(socket.group)) record.tls.group = socket.group
  }
  const cert = o.certificate
  if (cert !== undefined) {
    record.certificate = {
      chainTrusted: cert.chainTrusted,
      expired: cert.expired,
      nameMatch: cert.nameMatch,
    }
    if (cert.spkiSha256 !== undefined) record.certificate.spkiSha256 = cert.spkiSha256
    const issuer = socket?.issuer === undefined ? '' : safeText(socket.issuer, 256)
    if (issuer !== '') record.certificate.issuer = issuer
  }
  const checked = SecurityRecordSchema.safeParse(record)
  if (!checked.success)
    throw new SdkError(ErrorCode.Internal, 'a security record failed its own schema', {
      cause: checked.error,
    })
  return checked.data
}
