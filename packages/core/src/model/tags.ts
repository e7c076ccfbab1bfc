// DEEP -04 security tags (§5.1, §11.2) and MUA-STS -05 directives (§5, §6), as data.
import * as z from 'zod'

/** security-tag = ALPHA 0*63( ALPHA / DIGIT / "-" / "_" ), DEEP -04 §5.1. Stored lower-case. */
export const SECURITY_TAG_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
export const SecurityTagSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lower-case security tag')

/** The tags registered by DEEP -04 §11.2; only these are enforced. Unknown well-formed tags are kept as data. */
export const KNOWN_TAGS = ['tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa'] as const
export type KnownTag = (typeof KNOWN_TAGS)[number]
export function isKnownTag(tag: string): tag is KnownTag {
  return (KNOWN_TAGS as readonly string[]).includes(tag)
}

/**
 * Private tag naming a failed SPKI pin in the JSON report (violation `tag`, dedup key, TLSRPT extension).
 * Pins come from setup or policy, not from DEEP, so no registered tag describes them, and it is never
 * sent in band: the server that fails a pin is the suspected impostor (report/in-band.ts).
 */
export const SPKI_PIN_TAG = 'spki-pin'

/** -05 §6 `tls-version` values, ordered; -05 registered 1.1 and 1.2, 1.3 is accepted as the obvious successor. */
export const TLS_VERSION_DIRECTIVES = ['1.1', '1.2', '1.3'] as const
export const TlsVersionDirectiveSchema = z.enum(TLS_VERSION_DIRECTIVES)
export type TlsVersionDirective = z.infer<typeof TlsVersionDirectiveSchema>

/** -05 `tls-cert` values plus -06 `pkix+dane`. Lattice: any < pkix, any < dane, pkix ∨ dane = pkix+dane. */
export const TLS_CERT_DIRECTIVES = ['any', 'pkix', 'dane', 'pkix+dane'] as const
export const TlsCertDirectiveSchema = z.enum(TLS_CERT_DIRECTIVES)
export type TlsCertDirective = z.infer<typeof TlsCertDirectiveSchema>

export function joinTlsCert(a: TlsCertDirective, b: TlsCertDirective): TlsCertDirective {
  const pkix = a === 'pkix' || a === 'pkix+dane' || b === 'pkix' || b === 'pkix+dane'
  const dane = a === 'dane' || a === 'pkix+dane' || b === 'dane' || b === 'pkix+dane'
  if (pkix && dane) return 'pkix+dane'
  if (pkix) return 'pkix'
  if (dane) return 'dane'
  return 'any'
}

export function tlsVersionDirectiveToProtocol(v: TlsVersionDirective): string {
  return `TLSv${v}`
}
