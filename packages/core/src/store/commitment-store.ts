// The contract between guards and any persister (house style H16). Defined in core so that guards,
// setup and the CLI depend on the shape, not on a backend. Implementations live in @mua-sts/store.
import * as z from 'zod'
import type { Commitment } from '../model/commitment.js'
import type { AccountRef, IsoTime, Service } from '../model/primitives.js'

/** The user-confirmed request that is the only way to weaken or remove a commitment. */
export type ForgetRequest = {
  readonly account: AccountRef
  /** Omit to forget every service of the account. */
  readonly service?: Service | undefined
  /** Why, in the user's or admin's words; stored in the audit log. */
  readonly reason: string
  /** Who confirmed (an app-defined actor, e.g. "user" or "admin:alice"); never a mail password. */
  readonly actor: string
  /** Token obtained from `requestForget` and shown/confirmed in the UI. */
  readonly confirmation: string
}

/**
 * What an audited ceremony did: `forget` removed commitments; `replace` removed them and pinned new
 * ones in the same step (a provider move confirmed in setup); `rotate-pins` replaced one service's
 * SPKI pin set (adding a key is a weakening, so it is never done by a join); `reset` re-keyed a store
 * whose integrity could no longer be checked (FileStore only).
 */
export type AuditKind = 'forget' | 'replace' | 'rotate-pins' | 'reset'

export type AuditRecord = {
  readonly kind: AuditKind
  readonly at: IsoTime
  readonly account: AccountRef
  readonly services: readonly Service[]
  readonly actor: string
  readonly reason: string
  /** The commitments as they were before removal, so the act can be reviewed later. */
  readonly removed: readonly Commitment[]
  /** What the ceremony wrote in their place (`replace`, `rotate-pins`); absent otherwise. */
  readonly added?: readonly Commitment[]
}

/** The pin set a `rotatePins` ceremony installs for one service (RFC 7469 §2.5: keep a backup pin). */
export type PinSet = { readonly spki: readonly string[]; readonly backup: readonly string[] }

export interface CommitmentStore {
  /** Current commitment or undefined. Throws MUASTS_ERR_STORE_CORRUPT / _ROLLBACK / _KEYCHAIN_UNAVAILABLE. */
  get(account: AccountRef, service: Service): Promise<Commitment | undefined>
  /**
   * Durably joins `next` into what is stored (never weakens; see core `merge`). Returns what is now
   * stored, which may be stronger than `next` if another process wrote concurrently.
   */
  strengthen(next: Commitment): Promise<Commitment>
  /** Every commitment of one account, or of all accounts. */
  list(account?: AccountRef): Promise<Commitment[]>
  /** Step 1 of the forget ceremony: returns a one-time confirmation token for the UI to show. */
  requestForget(
    account: AccountRef,
    service?: Service,
  ): Promise<{ confirmation: string; commitments: Commitment[] }>
  /** Step 2: removes commitments, appends an audit record and emits 'forgotten'. */
  forget(request: ForgetRequest): Promise<AuditRecord>
  /**
   * Step 2, alternative: atomically removes what the token covers and writes `next` exactly as given
   * (no join with what was there), with one `replace` audit record. Every `next` commitment must
   * belong to the token's account (and service, when the token names one).
   */
  replace(request: ForgetRequest, next: readonly Commitment[]): Promise<AuditRecord>
  /**
   * Step 2, alternative: replaces the SPKI pins of the token's service (the token must name one) with
   * `pins`, leaving every other property as it is, with one `rotate-pins` audit record.
   */
  rotatePins(request: ForgetRequest, pins: PinSet): Promise<AuditRecord>
}

/** zod guard for a CommitmentStore passed in options (duck-typed, so duplicate installs still match). */
export const CommitmentStoreSchema = z.custom<CommitmentStore>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as CommitmentStore).get === 'function' &&
    typeof (v as CommitmentStore).strengthen === 'function',
  'expected a CommitmentStore',
)
