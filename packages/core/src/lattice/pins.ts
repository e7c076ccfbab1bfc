// The join of two SPKI pin sets. A pin set is a restriction: it names the only leaf keys a connection may
// present (RFC 7469 §2.6 semantics, RFC 8314 §5.4 set at setup or by policy). Adding a key to it accepts a
// key that was refused, i.e. a weakening, so a join only ever narrows: it keeps the keys every pinned side
// accepts. Widening is the store's audited rotatePins ceremony, which never goes through merge (#12).
import { ErrorCode, SdkError } from '../errors.js'
import type { Commitment } from '../model/commitment.js'

export type Pins = Commitment['pins']

/**
 * Keys a pin set accepts: primary and backup alike, exactly as the spki-pin rule enforces them (a backup
 * pin is a key not yet in service, RFC 7469 §2.5; it is accepted the day it is). Empty → no pinning.
 */
export function acceptableKeys(pins: Pins): ReadonlySet<string> {
  return new Set([...pins.spki, ...pins.backup])
}

/** True if the pin set restricts keys at all. */
export function isPinned(pins: Pins): boolean {
  return pins.spki.length > 0 || pins.backup.length > 0
}

/** True if a connection presenting `spki` passes this pin set (always, when nothing is pinned). Pure. */
export function pinsAccept(pins: Pins, spki: string | undefined): boolean {
  if (!isPinned(pins)) return true
  return spki !== undefined && acceptableKeys(pins).has(spki)
}

/**
 * Joins two pin sets. Pure. An unpinned side is the identity. Two pinned sides keep their intersection;
 * a kept key is primary if either side lists it as primary (roles are advice for rotation, not for
 * acceptance), otherwise backup, so the two lists stay disjoint and the join stays commutative and
 * associative. Throws MUASTS_ERR_PIN_CONFLICT when the intersection is empty: "no key in common" cannot
 * be written as a pin set, and "no pins" would accept every key. (Two sides sharing more than 16 keys
 * with crossed roles could exceed the schema's 16 primary pins; the store refuses to write such a join.)
 */
export function joinPins(a: Pins, b: Pins): Pins {
  const pinned = [a, b].filter(isPinned)
  if (pinned.length === 0) return { spki: [], backup: [] }
  const [first, ...rest] = pinned.map(acceptableKeys) as [ReadonlySet<string>, ...ReadonlySet<string>[]]
  const kept = [...first].filter((k) => rest.every((s) => s.has(k))).sort()
  if (kept.length === 0) {
    throw new SdkError(
      ErrorCode.PinConflict,
      'The pin sets have no key in common; only the audited rotatePins ceremony may install a new key.',
      { details: { ceremony: 'rotatePins', a: copy(a), b: copy(b) } },
    )
  }
  const spki = kept.filter((k) => pinned.some((p) => p.spki.includes(k)))
  return { spki, backup: kept.filter((k) => !spki.includes(k)) }
}

function copy(p: Pins): { spki: string[]; backup: string[] } {
  return { spki: [...p.spki], backup: [...p.backup] }
}
