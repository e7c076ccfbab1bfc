// The two steps of the reset ceremony as apps see them: what `requestReset` shows the user, and the
// confirmation `reset` needs back (same rules as the forget ceremony: one-time token, actor, reason).
import { ErrorCode, SdkError } from '@mua-sts/core'
import * as z from 'zod'
import type { ResetScope } from './diagnose.js'

/** What `FileStore.requestReset()` returns: show it, then pass `confirmation` to `reset()`. */
export type ResetRequest = {
  /** One-time token for `reset()`. */
  readonly confirmation: string
  /** What the store fails with today: STORE_CORRUPT, STORE_ROLLBACK or KEYCHAIN_UNAVAILABLE. */
  readonly cause: ErrorCode
  /** Why, in words (e.g. "the high-water marks are missing from the keychain"); never a secret. */
  readonly diagnosis: string
  /** 'store': every account loses its commitment and the store is re-keyed; 'audit-log': only the log is restarted. */
  readonly scope: ResetScope
  /** What moves to quarantine/: the number of account files, and every file by name (relative to the store). */
  readonly affected: { readonly accounts: number; readonly files: readonly string[] }
}

/** Step 2 of the reset ceremony. */
export type ResetConfirmation = {
  /** The token from `requestReset()`. */
  readonly confirmation: string
  /** Who confirmed (e.g. "user", "admin:alice"); never a password. */
  readonly actor: string
  /** Why, in the user's words (at least 3 characters); stored in the new audit log. */
  readonly reason: string
}

const ResetConfirmationSchema = z.object({
  confirmation: z.string().min(1).max(256),
  actor: z.string().max(256),
  reason: z.string().max(4096),
})

/** What a reset token was issued for; `reset` refuses if the store no longer matches it. */
export type PendingReset = {
  readonly scope: ResetScope
  readonly cause: ErrorCode
  readonly files: readonly string[]
}

/**
 * Validates step 2 and returns the pending token's scope (without consuming it). Throws
 * MUASTS_ERR_INVALID_OPTION for a malformed request, MUASTS_ERR_CONFIRMATION_REQUIRED for an unknown or
 * used token, a reason under 3 characters or an empty actor.
 */
export function checkResetConfirmation(
  request: unknown,
  pending: ReadonlyMap<string, PendingReset>,
): ResetConfirmation & { pending: PendingReset } {
  const parsed = ResetConfirmationSchema.safeParse(request)
  if (!parsed.success) {
    throw new SdkError(ErrorCode.InvalidOption, 'reset() needs { confirmation, actor, reason } strings.', {
      cause: parsed.error,
    })
  }
  const r = parsed.data
  const p = pending.get(r.confirmation)
  if (p === undefined) {
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'No matching confirmation token for this reset; call requestReset() first.',
    )
  }
  if (r.reason.trim().length < 3) {
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'A reason (at least 3 characters) is required to reset the store.',
    )
  }
  if (r.actor.trim().length === 0) {
    throw new SdkError(ErrorCode.ConfirmationRequired, 'An actor is required to reset the store.')
  }
  return { ...r, pending: p }
}
