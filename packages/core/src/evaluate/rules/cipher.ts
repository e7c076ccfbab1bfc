// Rule: DEEP -04 §11.2 (tls11/tls12) and RFC 8314 §5 require a symmetric cipher of at least 128 bits.
import type { Commitment } from '../../model/commitment.js'
import type { Observation } from '../../model/observation.js'
import { type Violation, violation } from '../violation.js'

export const MIN_CIPHER_BITS = 128

export function cipherRule(c: Commitment, o: Observation, out: Violation[]): void {
  if (o.tls === undefined || o.tls.cipherBits >= MIN_CIPHER_BITS) return
  const tag = c.latches.includes('tls12') ? 'tls12' : c.latches.includes('tls11') ? 'tls11' : undefined
  out.push(
    violation(
      'cipher_too_weak',
      ['tls', 'cipherBits'],
      `>= ${MIN_CIPHER_BITS}`,
      `${o.tls.cipher} (${o.tls.cipherBits})`,
      { tag },
    ),
  )
}
