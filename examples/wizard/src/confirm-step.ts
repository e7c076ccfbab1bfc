// `wizard:confirm` in the main process: setup's confirm() with the guarded clients as credential
// tests, and the two answers a wizard must turn into a question for the user instead of an error:
//   - items not ticked (MUASTS_ERR_CONFIRMATION_REQUIRED): nothing was tested; the page marks them;
//   - the account is pinned elsewhere (MUASTS_ERR_COMMITMENT_CONFLICT), e.g. after a provider move:
//     the page explains the move, and only if the user then asks for it, the one-step audited
//     replacement runs: store.requestForget(account), then confirm() with that token, which forgets
//     and pins in one step with one `replace` audit record (issue #12 item 3).
// Commitments never expire, so a replacement is never offered silently or taken by default: it needs
// a conflict this session has already shown the user, and a reason the user gave.
import {
  type Commitment,
  type CommitmentStore,
  ErrorCode,
  isSdkError,
  SdkError,
  type Service,
} from '@mua-sts/core'
import { type ConfirmResult, confirm, type Proposal, type VerifyFn } from '@mua-sts/setup'
import type { ConfirmResponse, ConflictView } from './ipc-schema.js'
import { pinView } from './views.js'

/** Who confirmed a replacement, in the audit record: the person at the wizard (never an address). */
export const REPLACE_ACTOR = 'user'

export type ConfirmStepInput = {
  readonly store: CommitmentStore
  /** The session's own proposal (it never went through the page). */
  readonly proposal: Proposal
  readonly verify: Record<Service, VerifyFn>
  readonly acknowledged: readonly string[]
  /** The user's reason for replacing what is pinned; only valid when `conflictShown`. */
  readonly replace?: { readonly reason: string } | undefined
  /** This session's last confirm answered `conflict` for this very proposal. */
  readonly conflictShown: boolean
  /** The page's Cancel (wizard:cancel): aborts the credential tests; the answer is then `cancelled`. */
  readonly signal?: AbortSignal | undefined
}

const endpointOf = (c: Commitment): ConflictView['pinned'] => ({
  host: c.endpoint.host,
  port: c.endpoint.port,
  transport: c.endpoint.transport,
})

/**
 * What is pinned for the proposal's services, next to what setup found now: every pinned service, even
 * when its endpoint is unchanged (then a certificate, key or property changed). Does I/O (store.list).
 */
export async function conflictViews(store: CommitmentStore, proposal: Proposal): Promise<ConflictView[]> {
  const pinned = await store.list(proposal.account)
  return proposal.services.flatMap((s) => {
    const current = pinned.find((c) => c.service === s.service)
    if (current === undefined) return []
    const { host, port, transport } = s.candidate
    return [{ service: s.service, pinned: endpointOf(current), proposed: { host, port, transport } }]
  })
}

function answer(result: ConfirmResult, replaced: boolean): ConfirmResponse {
  if (result.status === 'pinned') return { status: 'pinned', pins: result.commitments.map(pinView), replaced }
  return {
    status: 'not-pinned',
    failures: result.failures.map(({ service, code, message }) => ({
      service,
      code,
      message: message.slice(0, 2000),
    })),
  }
}

/** The unticked item ids confirm() names in its error, if it named them. */
function unacknowledged(error: SdkError): string[] | undefined {
  const open = error.details?.['unacknowledged']
  if (!Array.isArray(open) || open.length === 0) return undefined
  if (!open.every((id): id is string => typeof id === 'string' && id.length <= 400)) return undefined
  return open.slice(0, 16)
}

/**
 * Runs confirm() for one session. Does I/O (the credential tests, the store).
 *
 * @returns `pinned` (with `replaced` when the audited replacement ran), `not-pinned` with each failed
 *   credential test, `unacknowledged` with the items still to tick, `conflict` with what is pinned, or
 *   `cancelled` when `signal` fired (nothing written).
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` for a replacement no conflict was shown for; any other
 *   error of confirm() or the store as it is.
 */
export async function runConfirm(input: ConfirmStepInput): Promise<ConfirmResponse> {
  try {
    return await confirmOrExplain(input)
  } catch (error) {
    // Cancelled by the user: confirm() wrote nothing, and nothing about it is an error to show.
    if (isSdkError(error, ErrorCode.Aborted) && input.signal?.aborted === true) return { status: 'cancelled' }
    throw error
  }
}

async function confirmOrExplain(input: ConfirmStepInput): Promise<ConfirmResponse> {
  const { store, proposal, verify, acknowledged, signal } = input
  // This step only runs from the page's confirm button: the call itself is the user's consent.
  const base = {
    proposal,
    store,
    verify,
    confirmed: true,
    acknowledged: [...acknowledged],
    ...(signal === undefined ? {} : { signal }),
  }
  if (input.replace !== undefined) {
    if (!input.conflictShown)
      throw new SdkError(
        ErrorCode.InvalidOption,
        'wizard:confirm: a replacement is only offered after a conflict was shown',
      )
    // The token covers the whole account: the proposal is the account's complete new configuration.
    const { confirmation } = await store.requestForget(proposal.account)
    const replace = { confirmation, actor: REPLACE_ACTOR, reason: input.replace.reason }
    return answer(await confirm({ ...base, replace }), true)
  }
  try {
    return answer(await confirm(base), false)
  } catch (error) {
    if (isSdkError(error, ErrorCode.CommitmentConflict)) {
      const conflicts = await conflictViews(store, proposal)
      if (conflicts.length > 0) return { status: 'conflict', conflicts: conflicts.slice(0, 3) }
    }
    if (isSdkError(error, ErrorCode.ConfirmationRequired)) {
      const items = unacknowledged(error)
      if (items !== undefined) return { status: 'unacknowledged', items }
    }
    throw error
  }
}
