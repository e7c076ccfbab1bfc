// The checks every CommitmentStore runs before step 2 of the forget ceremony or one of its variants
// (RFC 8314 §5.4: a pin is user-revocable, but only by an explicit act; DEEP -04 §5.4 discourages any
// lightweight reset). They live here, once, so FileStore, MemoryCommitmentStore and RedisCommitmentStore
// refuse the same requests with the same codes and messages (the shared contract suite holds them to it).
// Pure: no I/O, no clock.
import * as z from 'zod'
import { ErrorCode, SdkError } from '../errors.js'
import { type Commitment, CommitmentSchema } from '../model/commitment.js'
import {
  type AccountRef,
  AccountRefSchema,
  SERVICES,
  type Service,
  ServiceSchema,
  SpkiSchema,
} from '../model/primitives.js'
import type { ForgetRequest, PinSet } from './commitment-store.js'

/** The scope a confirmation token was issued for, remembered between `requestForget` and step 2. */
export type CeremonyScope = { readonly account: AccountRef; readonly service: Service | undefined }

// Bounds match the audit record's, so a request that passes can always be written and read back.
const ForgetRequestSchema = z.object({
  account: AccountRefSchema,
  service: ServiceSchema.optional(),
  reason: z.string().max(4096),
  actor: z.string().max(256),
  confirmation: z.string().max(256),
})

function refuse(message: string, details?: Record<string, unknown>): SdkError {
  return new SdkError(
    ErrorCode.ConfirmationRequired,
    message,
    details === undefined ? undefined : { details },
  )
}

/**
 * The pending scope `request` confirms. Throws MUASTS_ERR_INVALID_OPTION for a malformed request,
 * MUASTS_ERR_CONFIRMATION_REQUIRED for a missing, used or mismatched token, a reason under 3 characters
 * or an empty actor. Never consumes the token (the caller deletes it once the whole request is valid).
 */
export function checkForgetRequest<P extends CeremonyScope>(
  request: ForgetRequest,
  pending: ReadonlyMap<string, P>,
): P {
  const parsed = ForgetRequestSchema.safeParse(request)
  if (!parsed.success) {
    throw new SdkError(ErrorCode.InvalidOption, 'Malformed forget request.', { cause: parsed.error })
  }
  const p = pending.get(request.confirmation)
  if (p === undefined || p.account !== request.account || p.service !== request.service) {
    throw refuse('No matching confirmation token for this forget request.')
  }
  if (request.reason.trim().length < 3) {
    throw refuse('A reason (at least 3 characters) is required to forget a commitment.')
  }
  if (request.actor.trim().length === 0) throw refuse('An actor is required to forget a commitment.')
  return p
}

const NextSchema = z.array(CommitmentSchema).min(1).max(SERVICES.length)

/**
 * Validates the commitments a `replace` writes (issue #12: a provider move confirmed in setup), sorted
 * by service. Throws MUASTS_ERR_INVALID_OPTION for malformed input, an empty list or two commitments for
 * one service, and MUASTS_ERR_CONFIRMATION_REQUIRED for a commitment of another account, or of another
 * service when the token names one (the user never confirmed that change).
 */
export function checkReplacement(scope: CeremonyScope, next: unknown): Commitment[] {
  const parsed = NextSchema.safeParse(next)
  if (!parsed.success) {
    throw new SdkError(
      ErrorCode.InvalidOption,
      'replace() needs 1 to 3 valid commitments (to only remove, use forget()).',
      { cause: parsed.error },
    )
  }
  const seen = new Set<Service>()
  for (const c of parsed.data) {
    if (c.account !== scope.account || (scope.service !== undefined && c.service !== scope.service)) {
      throw refuse(
        'The confirmation does not cover a commitment passed to replace(): it names another account or service.',
        { confirmed: `${scope.account}/${scope.service ?? '*'}`, got: `${c.account}/${c.service}` },
      )
    }
    if (seen.has(c.service)) {
      throw new SdkError(ErrorCode.InvalidOption, `replace() got two commitments for ${c.service}.`)
    }
    seen.add(c.service)
  }
  return SERVICES.flatMap((s) => parsed.data.filter((c) => c.service === s))
}

const PinSetSchema = z.strictObject({
  spki: z.array(SpkiSchema).max(16),
  backup: z.array(SpkiSchema).max(16),
})

/** MUASTS_ERR_INVALID_OPTION for a `rotatePins` call. */
export function invalidPins(message: string, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.InvalidOption, `rotatePins(): ${message}`, { cause })
}

/**
 * Validates and normalises (sorted, unique) a pin set for `rotatePins`. Throws MUASTS_ERR_INVALID_OPTION
 * for malformed hashes, primary pins without a backup pin, backup pins without a primary pin, or a key
 * listed as both. Policy: a key set with no spare bricks the account the day the server's key changes,
 * which is why HPKP made a backup pin mandatory (RFC 7469 §2.5, §4.3); an empty set (no pinning) is the
 * user's confirmed choice to rely on PKIX and the other latches alone.
 */
export function checkPinSet(pins: unknown): PinSet {
  const parsed = PinSetSchema.safeParse(pins)
  if (!parsed.success) {
    throw invalidPins(
      'pins must be { spki: string[], backup: string[] } of base64 SHA-256 SPKI hashes',
      parsed.error,
    )
  }
  const spki = [...new Set(parsed.data.spki)].sort()
  const backup = [...new Set(parsed.data.backup)].sort()
  if (spki.length > 0 && backup.length === 0) {
    throw invalidPins(
      'pinning needs at least one backup pin (RFC 7469 §2.5), or the account is lost when the key changes',
    )
  }
  if (spki.length === 0 && backup.length > 0) throw invalidPins('backup pins need at least one primary pin')
  if (spki.some((p) => backup.includes(p)))
    throw invalidPins('a key cannot be both a primary and a backup pin')
  return { spki, backup }
}

/**
 * `checkPinSet`, after checking that the token names one service (a pin set belongs to one server):
 * MUASTS_ERR_CONFIRMATION_REQUIRED otherwise.
 */
export function checkPinRotation(scope: CeremonyScope, pins: unknown): PinSet {
  if (scope.service === undefined) throw refuse('rotatePins() needs a confirmation for one service.')
  return checkPinSet(pins)
}
