// Two vocabularies (house style H10): thrown errors for misuse and caller aborts, and per-source
// issues carried as data in the Discovery result, because one failing source must never hide the
// others. DiscoverError is an SdkError (same brand and codes table) narrowed to the codes discover() throws.
import { SdkError } from '@mua-sts/core'

/** Codes `discover()` may throw. Everything else a source runs into becomes a `SourceIssue`. */
export const DiscoverErrorCode = {
  InvalidOption: 'MUASTS_ERR_INVALID_OPTION',
  Aborted: 'MUASTS_ERR_ABORTED',
} as const
export type DiscoverErrorCode = (typeof DiscoverErrorCode)[keyof typeof DiscoverErrorCode]

/** Thrown by `discover()` for invalid options or email addresses, and when the caller aborts. */
export class DiscoverError extends SdkError {
  declare readonly code: DiscoverErrorCode
}

/**
 * Stable snake_case codes for what happened to one source. `errors` holds failures (the source
 * could have answered but something went wrong); `diagnostics` holds expected absences and notes.
 */
export const IssueCode = {
  // DNS (RFC 1035 §4.1.1 RCODEs as node:dns reports them)
  DnsNxdomain: 'dns_nxdomain',
  DnsNodata: 'dns_nodata',
  DnsServfail: 'dns_servfail',
  DnsRefused: 'dns_refused',
  DnsError: 'dns_error',
  DnsMalformed: 'dns_malformed',
  DnssecInvalid: 'dnssec_invalid',
  DnssecTruncated: 'dnssec_truncated',
  DnssecBadResponse: 'dnssec_bad_response',
  DnssecUnreachable: 'dnssec_unreachable',
  MxNull: 'mx_null',
  MxSameDomain: 'mx_same_domain',
  // HTTP(S)
  HttpNotFound: 'http_not_found',
  HttpStatus: 'http_status',
  HttpTooLarge: 'http_too_large',
  HttpRedirectRefused: 'http_redirect_refused',
  HttpTlsError: 'http_tls_error',
  HttpError: 'http_error',
  // Autoconfig XML
  XmlTooLarge: 'xml_too_large',
  XmlDoctypeRefused: 'xml_doctype_refused',
  XmlMalformed: 'xml_malformed',
  XmlInvalidConfig: 'xml_invalid_config',
  XmlInvalidEntry: 'xml_invalid_entry',
  PlaintextDropped: 'plaintext_dropped',
  // Any source
  Timeout: 'timeout',
  Aborted: 'aborted',
  Internal: 'internal',
} as const
export type IssueCode = (typeof IssueCode)[keyof typeof IssueCode]

/** An error a source throws internally; `discover()` turns it into a `SourceIssue`. */
export class SourceFailure extends Error {
  readonly code: IssueCode
  constructor(code: IssueCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SourceFailure'
    this.code = code
  }
}
