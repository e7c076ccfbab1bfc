// Anti-rollback. Whoever can write Redis can replay any value they once read, MAC and all, so the MAC
// alone proves authorship, not freshness. Two anchors sit outside that attacker's reach:
//   1. this process: the highest `seq` it has read or written per account (a replay, or a deleted
//      record, is refused by every worker that has seen the newer version);
//   2. optionally the service's own system of record (`highWater` hook), consulted on every read and
//      raised after every write, which also covers a restarted worker and a rolled-back whole database.
// Without the hook, a rollback of the whole database (record and audit alike) to a state no running
// worker has seen past is not detectable; docs/fleets.md says so.
import type { AccountRef } from '@mua-sts/core'
import * as z from 'zod'
import { rollback } from '../store-errors.js'

/** An external high-water mark per account, kept where the attacker of Redis cannot write. */
export interface HighWaterHook {
  /** The highest version written for `account`, or 0 if none. May do I/O. */
  read(account: AccountRef): Promise<number>
  /** Records that version `seq` of `account` was written; must keep the maximum. May do I/O. */
  write(account: AccountRef, seq: number): Promise<void>
}

/** zod guard for a hook passed in options (duck-typed). */
export const HighWaterHookSchema = z.custom<HighWaterHook>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as HighWaterHook).read === 'function' &&
    typeof (v as HighWaterHook).write === 'function',
  'expected { read(account), write(account, seq) }',
)

/** The in-process high-water marks, plus the optional hook. */
export class HighWater {
  readonly #seen = new Map<AccountRef, number>()
  readonly #hook: HighWaterHook | undefined

  constructor(hook: HighWaterHook | undefined) {
    this.#hook = hook
  }

  /** The mark to check a read against: the larger of this process's and the hook's. */
  async floor(account: AccountRef): Promise<number> {
    const local = this.#seen.get(account) ?? 0
    if (this.#hook === undefined) return local
    const external = await this.#hook.read(account)
    if (!Number.isSafeInteger(external) || external < 0) {
      throw rollback('the high-water hook returned an invalid version', { account })
    }
    return Math.max(local, external)
  }

  /** Throws MUASTS_ERR_STORE_ROLLBACK unless `seq` (0 = no record) is at or above `floor`. */
  check(account: AccountRef, seq: number, floor: number): void {
    if (seq < floor) {
      throw rollback(seq === 0 ? 'the record was deleted' : 'the record is older than one already seen', {
        account,
        seq,
        highWater: floor,
      })
    }
    this.saw(account, seq)
  }

  /** Remembers a version this process read or wrote. */
  saw(account: AccountRef, seq: number): void {
    if (seq > (this.#seen.get(account) ?? 0)) this.#seen.set(account, seq)
  }

  /** After a committed write: raise the local mark and the hook's. */
  async wrote(account: AccountRef, seq: number): Promise<void> {
    this.saw(account, seq)
    await this.#hook?.write(account, seq)
  }
}
