// What confirm() verifies and pins for a service that already has a commitment (#12). The store's
// write is a join, and a join keeps the stronger of two endpoints and (once pinned) only narrows the
// pin set, so writing a proposal over an existing commitment can end in a state nobody confirmed:
// a provider that dropped its implicit-TLS port would get "pinned" back to the dead port. Instead,
// before any credential test, the join is computed here; unless it is exactly the proposed endpoint
// and the probed server still meets it, confirm() stops with MUASTS_ERR_COMMITMENT_CONFLICT, names
// the existing commitment and the ceremony that can change it, and writes nothing.
// Pins get the same treatment: a join only narrows a pin set (RFC 7469 §2.6 semantics), so joining
// a proposal that pins {leaf, new backup} with a stored {leaf, old backup} would keep {leaf} alone:
// neither what was confirmed nor a set with the backup RFC 7469 §4.3 asks for. That is a conflict
// for the rotatePins ceremony, not a silent drop.
import {
  acceptableKeys,
  type Commitment,
  type Endpoint,
  ErrorCode,
  evaluate,
  isPinned,
  isSdkError,
  merge,
  SdkError,
} from '@mua-sts/core'
import type { ServiceProposal } from '../propose/proposal.js'

const sameEndpoint = (a: Endpoint, b: Endpoint): boolean =>
  a.host === b.host && a.port === b.port && a.transport === b.transport

const showEndpoint = (e: Endpoint): string => `${e.host}:${e.port}/${e.transport}`

const showKeys = (c: Commitment): string =>
  isPinned(c.pins) ? `${c.pins.spki.length} key(s) and ${c.pins.backup.length} backup(s)` : 'no key pins'

const sameKeys = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean =>
  a.size === b.size && [...a].every((k) => b.has(k))

/**
 * True unless the proposal pins keys and the join would accept another set than the proposal's, or
 * would keep no backup pin (RFC 7469 §4.3). Narrowing a stored set down to exactly the proposed one is
 * fine: it is a strengthening, and it is what the user confirmed.
 */
function keepsProposedPins(joined: Commitment, proposed: Commitment): boolean {
  if (!isPinned(proposed.pins)) return true
  return sameKeys(acceptableKeys(joined.pins), acceptableKeys(proposed.pins)) && joined.pins.backup.length > 0
}

/** When the check runs: before any credential test, or again on a fresh read right before writing. */
export type CheckPoint = 'before-verify' | 'before-write'

/** Why an existing commitment and a proposal cannot simply be joined. */
export type ConflictReason = 'endpoint_changed' | 'join_refused' | 'pins_changed' | 'server_no_longer_meets'

function conflict(
  existing: Commitment,
  p: ServiceProposal,
  reason: ConflictReason,
  extra: { violations?: string[]; cause?: unknown; when?: CheckPoint } = {},
): SdkError {
  // A key the pins refuse can be fixed without moving the account: rotatePins. Anything else needs
  // the whole commitment replaced (confirm's `replace` option, one audited step).
  const pinsOnly =
    reason === 'pins_changed' ||
    (reason === 'server_no_longer_meets'
      ? extra.violations?.every((v) => v === 'spki_pin_mismatch') === true
      : isSdkError(extra.cause, ErrorCode.PinConflict))
  const ceremony = pinsOnly ? 'rotatePins' : 'replace'
  const what = {
    endpoint_changed: `this proposal is for ${showEndpoint(p.commitment.endpoint)}`,
    join_refused: 'it cannot be combined with this proposal',
    pins_changed: `combining them would not pin the keys this proposal pins (pinned now: ${showKeys(existing)}; proposed: ${showKeys(p.commitment)})`,
    server_no_longer_meets: `the server no longer meets it (${(extra.violations ?? []).join(', ')})`,
  }[reason]
  return new SdkError(
    ErrorCode.CommitmentConflict,
    `${existing.account} already has a ${existing.service} commitment for ${showEndpoint(existing.endpoint)}, and ${what}. ` +
      `${extra.when === 'before-write' ? 'The store changed while the credentials were tested; nothing was pinned.' : 'Nothing was tested or pinned.'} To change it, run the ${ceremony === 'replace' ? 'replace ceremony (confirm with `replace`, a token from store.requestForget)' : 'rotatePins ceremony'}.`,
    {
      details: {
        account: existing.account,
        service: existing.service,
        endpoint: showEndpoint(existing.endpoint),
        proposed: showEndpoint(p.commitment.endpoint),
        reason,
        ...(reason === 'pins_changed'
          ? { pins: copyPins(existing), proposedPins: copyPins(p.commitment) }
          : {}),
        ceremony,
        ...(extra.violations === undefined ? {} : { violations: extra.violations }),
        ...(extra.when === 'before-write' ? { changedDuringConfirm: true } : {}),
      },
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
    },
  )
}

const copyPins = (c: Commitment) => ({ spki: [...c.pins.spki], backup: [...c.pins.backup] })

/**
 * The commitment confirm() verifies and pins for `p`: the proposed one when the store holds none,
 * else the join with the stored one, provided the join keeps the proposed endpoint, keeps exactly the
 * proposed key pins (when the proposal pins keys) and the probed server still meets it. Pure.
 *
 * @throws SdkError `MUASTS_ERR_COMMITMENT_CONFLICT` otherwise (details name the existing commitment,
 *   the reason and the ceremony to use).
 */
export function commitmentToPin(
  existing: Commitment | undefined,
  p: ServiceProposal,
  when: CheckPoint = 'before-verify',
): Commitment {
  if (existing === undefined) return p.commitment
  if (!sameEndpoint(existing.endpoint, p.commitment.endpoint))
    throw conflict(existing, p, 'endpoint_changed', { when })
  let joined: Commitment
  try {
    joined = merge(existing, p.commitment)
  } catch (cause) {
    throw conflict(existing, p, 'join_refused', { cause, when })
  }
  // Backstop: the same endpoints cannot join to another one today, but what is pinned must be what
  // was proposed whatever merge() becomes.
  if (!sameEndpoint(joined.endpoint, p.commitment.endpoint))
    throw conflict(existing, p, 'join_refused', { when })
  if (!keepsProposedPins(joined, p.commitment)) throw conflict(existing, p, 'pins_changed', { when })
  const verdict = evaluate(joined, p.observation)
  if (verdict.outcome !== 'ok') {
    const violations = verdict.violations.map((v) => v.code)
    throw conflict(existing, p, 'server_no_longer_meets', { violations, when })
  }
  return joined
}
