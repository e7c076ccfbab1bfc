// The last step of confirm(): write what was verified, and report what the store really holds (#12).
// The conflict check before verify (conflict.ts) and this write are separated by the credential
// tests, which take seconds; another writer (a second wizard window, a policy push, another process
// on the same FileStore) can change the store in between, and the store's write is a join that
// would blindly combine the two. The CommitmentStore contract has no compare-and-swap, so the gap is
// narrowed from both sides instead:
//   1. right before writing, each service is checked again on a fresh get(): the same conflict rules,
//      and the join of what the store holds with what was verified must be what was verified;
//   2. right after writing, each service is read back; unless it has the security key of what was
//      verified and the probed server still meets it, the store changed concurrently, and confirm()
//      throws MUASTS_ERR_COMMITMENT_CONFLICT carrying what the store now holds instead of `pinned`.
// Without `replace` the services are written one by one (strengthen is per commitment): a failure
// halfway leaves the earlier services written, and the error says which.
import {
  type AccountRef,
  type Commitment,
  type CommitmentStore,
  ErrorCode,
  evaluate,
  type ForgetRequest,
  merge,
  SdkError,
  type Service,
  securityKey,
  toSdkError,
} from '@mua-sts/core'
import type { ServiceProposal } from '../propose/proposal.js'
import { commitmentToPin } from './conflict.js'

/** One chosen service: its proposal and what was verified for it (the staged commitment). */
export type Verified = { readonly proposal: ServiceProposal; readonly commitment: Commitment }

export type WriteInput = {
  readonly store: CommitmentStore
  readonly account: AccountRef
  readonly verified: readonly Verified[]
  /** Set for the replace ceremony; the store then swaps in one atomic step. */
  readonly replace: ForgetRequest | undefined
  /** Called after each write the store accepted (confirm() then marks the seal used). */
  readonly onWritten: () => void
}

const services = (vs: readonly Verified[]): Service[] => vs.map((v) => v.commitment.service)

function changedConflict(account: AccountRef, service: Service, message: string): SdkError {
  return new SdkError(ErrorCode.CommitmentConflict, message, {
    details: { account, service, reason: 'changed_during_confirm' },
  })
}

/** Step 1: nothing is written unless every service still joins to exactly what was verified. */
async function recheck(input: WriteInput): Promise<void> {
  for (const { proposal, commitment } of input.verified) {
    const fresh = await input.store.get(input.account, commitment.service)
    if (fresh === undefined) continue
    commitmentToPin(fresh, proposal, 'before-write')
    let after: Commitment | undefined
    try {
      after = merge(fresh, commitment)
    } catch {
      after = undefined
    }
    if (after === undefined || securityKey(after) !== securityKey(commitment)) {
      throw changedConflict(
        input.account,
        commitment.service,
        `The ${commitment.service} commitment of ${input.account} changed while the credentials were tested; nothing was pinned. Run setup again.`,
      )
    }
  }
}

/** Steps 2 and 3: read back; any difference from what was verified is a concurrent change. */
async function readBack(input: WriteInput): Promise<Commitment[]> {
  const held: Array<Commitment | undefined> = []
  for (const v of input.verified) held.push(await input.store.get(input.account, v.commitment.service))
  // The evaluate() check is a backstop behind the security key; it compares with the verified
  // commitment's own verdict because a latch the guard learned in the credential session (e.g. DANE)
  // may not be visible in the probe's observation.
  const meets = (c: Commitment, v: Verified) => evaluate(c, v.proposal.observation).outcome === 'ok'
  const differs = input.verified.filter((v, i) => {
    const h = held[i]
    return (
      h === undefined ||
      securityKey(h) !== securityKey(v.commitment) ||
      (!meets(h, v) && meets(v.commitment, v))
    )
  })
  if (differs.length === 0) return held as Commitment[]
  const names = services(differs)
  throw new SdkError(
    ErrorCode.CommitmentConflict,
    `The store changed while confirm() wrote ${names.join(', ')} for ${input.account}: it does not hold what was verified. ` +
      'What it holds now is in this error; run setup again.',
    {
      details: {
        account: input.account,
        services: names,
        reason: 'changed_during_confirm',
        written: services(input.verified),
        held: held.filter((c): c is Commitment => c !== undefined),
      },
    },
  )
}

async function writeOneByOne(input: WriteInput): Promise<void> {
  const written: Service[] = []
  for (const { commitment } of input.verified) {
    try {
      await input.store.strengthen(commitment)
    } catch (cause) {
      const e = toSdkError(cause)
      const rest = services(input.verified).filter((s) => !written.includes(s))
      throw new SdkError(
        e.code,
        `${e.message} (confirm: ${written.length === 0 ? 'nothing was written' : `${written.join(', ')} written`}; ${rest.join(', ')} not written)`,
        { details: { ...e.details, account: input.account, written, notWritten: rest }, cause },
      )
    }
    written.push(commitment.service)
    input.onWritten()
  }
}

/**
 * Writes the verified commitments and returns them as read back from the store. Does I/O.
 *
 * @throws SdkError `MUASTS_ERR_COMMITMENT_CONFLICT` if the store changed since the pre-check (nothing
 *   written), or changed during the write (`details.held` is what it now holds); without `replace`, a
 *   store error with `details.written` / `details.notWritten`; with `replace`, the store's own error.
 */
export async function writeVerified(input: WriteInput): Promise<Commitment[]> {
  const staged = input.verified.map((v) => v.commitment)
  if (input.replace === undefined) {
    await recheck(input)
    await writeOneByOne(input)
  } else {
    // The ceremony removes whatever the token covers and writes `staged` as given: no join, so
    // nothing stored since the pre-check can leak into it. The read-back still catches a write
    // that lands right after it. The ceremony is atomic: if it throws, nothing was written.
    await input.store.replace(input.replace, staged)
    input.onWritten()
  }
  return readBack(input)
}
