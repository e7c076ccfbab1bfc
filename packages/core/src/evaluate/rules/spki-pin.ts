// Rule: when pins exist (RFC 8314 §5.4, set at setup or by policy), the leaf SPKI must be one of them.
// Pins add to PKIX; they never replace it (a pinned certificate never earns "high" alone, DEEP -04 §8.2).
import type { Commitment } from '../../model/commitment.js'
import type { Observation } from '../../model/observation.js'
import { SPKI_PIN_TAG } from '../../model/tags.js'
import { type Violation, violation } from '../violation.js'

export function spkiPinRule(c: Commitment, o: Observation, out: Violation[]): void {
  if (o.tls === undefined) return
  if (c.pins.spki.length === 0 && c.pins.backup.length === 0) return
  const seen = o.certificate?.spkiSha256
  if (seen !== undefined && (c.pins.spki.includes(seen) || c.pins.backup.includes(seen))) return
  out.push(
    violation(
      'spki_pin_mismatch',
      ['certificate', 'spkiSha256'],
      'one of the pinned SPKI hashes',
      seen ?? 'none',
      {
        tag: SPKI_PIN_TAG,
      },
    ),
  )
}
