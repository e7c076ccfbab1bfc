// The RFC 8460 §4.4 aggregate report shape, as this SDK emits it. Standard members keep their RFC meaning;
// everything specific to a mail client lives under `x-mua-sts-*` keys (spec digest §6.3: reuse the names,
// never bend the MTA fields). Strict objects: the export is validated against this before it is returned.
import {
  HostSchema,
  IsoTimeSchema,
  PortSchema,
  REPORT_ACTIONS,
  ServiceSchema,
  TLS_FLOORS,
  TLSRPT_RESULT_TYPES,
  TRANSPORTS,
  VIOLATION_CODES,
} from '@mua-sts/core'
import * as z from 'zod'

/** RFC 8460 §4.3 result types used by this SDK (core's violation → result-type map, digest §6.3). */
export const TlsrptResultTypeSchema = z.enum(TLSRPT_RESULT_TYPES)

/** One `failure-details[]` element. */
export const TlsrptFailureDetailSchema = z.strictObject({
  'result-type': TlsrptResultTypeSchema,
  /** The server the client dialled (the committed endpoint host). */
  'receiving-mx-hostname': HostSchema,
  /** The server's IP address, when the sessions' security records knew it (RFC 8460 §4.4). */
  'receiving-ip': z.union([z.ipv4(), z.ipv6()]).optional(),
  /** Refused sessions that showed this failure; one session may count under several details (§4.3). */
  'failed-session-count': z.number().int().min(1),
  /** The SDK's stable violation code (e.g. `tls_version_below_floor`), RFC 8460's free-text reason slot. */
  'failure-reason-code': z.enum(VIOLATION_CODES),
  /** The DEEP latch or -05 directive that failed, when there is one (e.g. `tls12`, `spki-pin`). */
  'x-mua-sts-latch': z.string().max(64).optional(),
})
/** One failure detail of the export. */
export type TlsrptFailureDetail = z.infer<typeof TlsrptFailureDetailSchema>

/** One `policies[]` element: one (endpoint host, service). */
export const TlsrptPolicySchema = z.strictObject({
  policy: z.strictObject({
    // RFC 8460 has no policy type for DEEP latches or MUA-STS; a private value would be non-conformant.
    'policy-type': z.literal('no-policy-found'),
    'policy-string': z.array(z.string()).max(0),
    /** The committed endpoint host: DEEP keys latches on the server hostname (-04 §5.3). */
    'policy-domain': HostSchema,
    'mx-host': z.array(HostSchema).min(1).max(1),
  }),
  summary: z.strictObject({
    'total-successful-session-count': z.number().int().min(0),
    'total-failure-session-count': z.number().int().min(0),
  }),
  'failure-details': z.array(TlsrptFailureDetailSchema),
  'x-mua-sts-service': ServiceSchema,
  'x-mua-sts-ports': z.array(PortSchema),
  /** How many distinct accounts were refused (a count only; no account refs leave in an export). */
  'x-mua-sts-accounts': z.number().int().min(0),
  'x-mua-sts-actions': z.partialRecord(z.enum(REPORT_ACTIONS), z.number().int().min(1)),
  /** What the latest refused session was held to, when the report carried its commitment. */
  'x-mua-sts-commitment': z
    .strictObject({
      transport: z.enum(TRANSPORTS),
      'tls-floor': z.enum(TLS_FLOORS),
      latches: z.array(z.string().max(64)),
      pinned: z.boolean(),
    })
    .optional(),
})
/** One policy of the export. */
export type TlsrptPolicy = z.infer<typeof TlsrptPolicySchema>

/** The whole export document. */
export const TlsrptReportSchema = z.strictObject({
  'organization-name': z.string().min(1).max(256),
  /** RFC 3339 instants (Date#toISOString form); the range is [start, end). */
  'date-range': z.strictObject({ 'start-datetime': IsoTimeSchema, 'end-datetime': IsoTimeSchema }),
  'contact-info': z.string().min(1).max(256).optional(),
  'report-id': z.string().min(1).max(256),
  policies: z.array(TlsrptPolicySchema),
  'x-mua-sts-version': z.literal(1),
})
/** An RFC 8460 §4.4-shaped aggregate report with `x-mua-sts-*` extension members. */
export type TlsrptReport = z.infer<typeof TlsrptReportSchema>
