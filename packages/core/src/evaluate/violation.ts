// Violations are expected policy outcomes carried as data (house style H10/H12). Each code maps to the
// TLSRPT result type (RFC 8460 §4.3) it is reported under; wording lives in report/messages.ts.
import * as z from 'zod'

export const TLSRPT_RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
] as const
export const TlsrptResultTypeSchema = z.enum(TLSRPT_RESULT_TYPES)
export type TlsrptResultType = z.infer<typeof TlsrptResultTypeSchema>

export const VIOLATION_CODES = [
  'starttls_not_offered',
  'starttls_refused',
  'preauth_before_tls',
  'bytes_after_starttls',
  'untagged_before_tls',
  'tls_not_established',
  'implicit_tls_downgraded',
  'endpoint_mismatch',
  'tls_handshake_failed',
  'tls_version_below_floor',
  'cipher_too_weak',
  'certificate_not_trusted',
  'certificate_expired',
  'certificate_host_mismatch',
  'spki_pin_mismatch',
  'dane_unsatisfied',
  'store_corrupt',
  'store_rollback',
  'keychain_unavailable',
  'stalled_before_tls',
] as const
export const ViolationCodeSchema = z.enum(VIOLATION_CODES)
export type ViolationCode = z.infer<typeof ViolationCodeSchema>

export const ViolationSchema = z.strictObject({
  code: ViolationCodeSchema,
  /** The DEEP tag or -05 directive this breaks, used for `latch-fail` / `policy-fail` (DEEP -04 §7). */
  tag: z.string().max(64).optional(),
  resultType: TlsrptResultTypeSchema,
  /** Which observation field failed, e.g. ['tls', 'version']. */
  path: z.array(z.string().max(64)).max(8),
  expected: z.string().max(512),
  observed: z.string().max(512),
})
export type Violation = z.infer<typeof ViolationSchema>

/** Default TLSRPT result type per code (RFC 8460 has no TLS-version type, so those are validation-failure). */
export const RESULT_TYPE_BY_CODE: Readonly<Record<ViolationCode, TlsrptResultType>> = {
  starttls_not_offered: 'starttls-not-supported',
  starttls_refused: 'starttls-not-supported',
  preauth_before_tls: 'starttls-not-supported',
  bytes_after_starttls: 'validation-failure',
  untagged_before_tls: 'validation-failure',
  tls_not_established: 'starttls-not-supported',
  implicit_tls_downgraded: 'validation-failure',
  endpoint_mismatch: 'validation-failure',
  tls_handshake_failed: 'validation-failure',
  tls_version_below_floor: 'validation-failure',
  cipher_too_weak: 'validation-failure',
  certificate_not_trusted: 'certificate-not-trusted',
  certificate_expired: 'certificate-expired',
  certificate_host_mismatch: 'certificate-host-mismatch',
  spki_pin_mismatch: 'validation-failure',
  dane_unsatisfied: 'tlsa-invalid',
  store_corrupt: 'validation-failure',
  store_rollback: 'validation-failure',
  keychain_unavailable: 'validation-failure',
  // RFC 8460 has no type for "no answer": a stall is not proof that STARTTLS is unsupported.
  stalled_before_tls: 'validation-failure',
}

export function violation(
  code: ViolationCode,
  path: readonly string[],
  expected: string,
  observed: string,
  extra?: { tag?: string | undefined; resultType?: TlsrptResultType },
): Violation {
  const v: Violation = {
    code,
    resultType: extra?.resultType ?? RESULT_TYPE_BY_CODE[code],
    path: [...path],
    expected: expected.slice(0, 512),
    observed: observed.slice(0, 512),
  }
  if (extra?.tag !== undefined) v.tag = extra.tag
  return v
}

/** The outcome of evaluate(): never thrown, always returned (house style H7). */
export type Verdict = { outcome: 'ok' } | { outcome: 'violated'; violations: readonly Violation[] }
