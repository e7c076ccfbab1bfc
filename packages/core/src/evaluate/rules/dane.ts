// Rule: a `tls-dane-tlsa` latch (DEEP -04 §11.2) or a -05 `tls-cert=dane|pkix+dane` directive requires a
// DANE-validated certificate (RFC 6698) on every later connection.
import type { Commitment } from '../../model/commitment.js'
import type { Observation } from '../../model/observation.js'
import { type TlsrptResultType, type Violation, violation } from '../violation.js'

function daneTag(c: Commitment): string | undefined {
  if (c.latches.includes('tls-dane-tlsa')) return 'tls-dane-tlsa'
  const d = c.directives.tlsCert
  return d === 'dane' || d === 'pkix+dane' ? 'tls-cert' : undefined
}

/** True when the commitment asks for DANE (a `tls-dane-tlsa` latch or `tls-cert=dane|pkix+dane`). */
export function requiresDane(c: Commitment): boolean {
  return daneTag(c) !== undefined
}

/**
 * True when DANE is the only certificate check the commitment asks for: a DANE requirement and no PKIX
 * one (no `tls-cert` latch, `tls-cert` directive not `pkix`/`pkix+dane`). Such a commitment accepts a
 * certificate no public CA vouches for (e.g. self-signed, RFC 7671 §5.1) once DANE is `valid`.
 */
export function daneOnly(c: Commitment): boolean {
  const d = c.directives.tlsCert
  return requiresDane(c) && !c.latches.includes('tls-cert') && d !== 'pkix' && d !== 'pkix+dane'
}

// RFC 8460 §4.3.2.1: the three DANE result types. `dane-required` means no DNSSEC-validated TLSA records
// were there (secure denial, or an unsigned zone). A check that never ran (no validating resolver, an
// IP-literal endpoint) proves nothing about the domain, so it is a local `validation-failure`.
const RESULT: Readonly<Record<string, TlsrptResultType>> = {
  invalid: 'tlsa-invalid',
  'dnssec-invalid': 'dnssec-invalid',
  'no-records': 'dane-required',
  insecure: 'dane-required',
  missing: 'validation-failure',
}

export function daneRule(c: Commitment, o: Observation, out: Violation[]): void {
  if (o.tls === undefined) return
  const tag = daneTag(c)
  if (tag === undefined) return
  const status = o.dane?.status ?? 'missing'
  if (status === 'valid') return
  out.push(
    violation('dane_unsatisfied', ['dane', 'status'], 'valid', status, {
      tag,
      resultType: RESULT[status] ?? 'tlsa-invalid',
    }),
  )
}
