// What step 2 of a CommitmentStore ceremony writes in place of what the confirmation token covers:
// `forget` only removes; `replace` writes what setup confirmed; `rotate-pins` swaps one service's pin
// set (adding a key is a weakening, so only this audited ceremony may do it; core `merge` refuses to join
// disjoint pin sets). Shared by every store so the same confirmed request writes the same commitments.
// Pure: the time comes from the caller.
import { type Commitment, CommitmentSchema, type Provenance, provenanceKey } from '../model/commitment.js'
import { type IsoTime, SERVICES, type Service } from '../model/primitives.js'
import { invalidPins } from './ceremony-checks.js'
import type { PinSet } from './commitment-store.js'

/** A checked ceremony (inputs already validated by ceremony-checks). */
export type CeremonyChange =
  | { readonly kind: 'forget' }
  | { readonly kind: 'replace'; readonly next: readonly Commitment[] }
  | { readonly kind: 'rotate-pins'; readonly pins: PinSet }

/**
 * `current` with its pin set replaced by `pins` (already checked) and every other property unchanged.
 * Provenance of a kept pin is kept; a new pin is recorded as confirmed by the user (`setup`) at `now`;
 * a dropped pin loses its provenance. Throws MUASTS_ERR_INVALID_OPTION if the result exceeds the
 * commitment schema's bounds (never write what cannot be read back).
 */
export function withPins(current: Commitment, pins: PinSet, now: IsoTime): Commitment {
  const keep = new Set([...pins.spki, ...pins.backup].map((p) => provenanceKey('pin', p)))
  const provenance: Record<string, Provenance> = {}
  for (const [key, p] of Object.entries(current.provenance)) {
    if (!key.startsWith(provenanceKey('pin', '')) || keep.has(key)) provenance[key] = p
  }
  for (const key of keep) provenance[key] ??= { source: 'setup', firstSeen: now, lastConfirmed: now }
  const next = CommitmentSchema.safeParse({
    ...current,
    pins: { spki: [...pins.spki], backup: [...pins.backup] },
    provenance,
  })
  if (!next.success) throw invalidPins('the rotated commitment exceeds the stored limits', next.error)
  return next.data
}

/** What `change` writes in place of the `removed` commitments (the ones the token covered). */
export function addedByCeremony(
  change: CeremonyChange,
  removed: readonly Commitment[],
  now: IsoTime,
): Commitment[] {
  if (change.kind === 'forget') return []
  if (change.kind === 'replace') return [...change.next]
  return removed.map((c) => withPins(c, change.pins, now))
}

/** The services an audit record concerns: removed or added, in SERVICES order. */
export function servicesOfCeremony(removed: readonly Commitment[], added: readonly Commitment[]): Service[] {
  return SERVICES.filter((s) => removed.some((c) => c.service === s) || added.some((c) => c.service === s))
}
