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

// RFC 8460 §4.3.2.1: the three DANE result types.
const RESULT: Readonly<Record<string, TlsrptResultType>> = {
  invalid: 'tlsa-invalid',
  'dnssec-invalid': 'dnssec-invalid',
  'no-records': 'dane-required',
  missing: 'dane-required',
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
