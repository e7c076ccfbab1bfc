// The two steps of the reset ceremony for one FileStore: diagnose, issue a one-time token for exactly
// what was diagnosed, and on confirmation diagnose again under the lock and reset only if nothing
// changed (see reset-ceremony.ts for what a reset does, diagnose.ts for when one is allowed).
import { randomBytes } from 'node:crypto'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { AuditLog, type StoreAuditRecord } from '../audit/audit-log.js'
import type { HeldLock } from '../fs/dir-lock.js'
import { ensureStoreDir } from '../fs/store-dir.js'
import type { MarkKeeper } from '../integrity/mark-keeper.js'
import { openKeys, type SecretNames } from '../integrity/open-keys.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { type Diagnosis, diagnose } from './diagnose.js'
import { affectedFiles, runReset } from './reset-ceremony.js'
import {
  checkResetConfirmation,
  type PendingReset,
  type ResetConfirmation,
  type ResetRequest,
} from './reset-request.js'

export type StoreResetContext = {
  readonly dir: string
  readonly storeId: string
  readonly secrets: SecretStore
  readonly names: SecretNames
  readonly marks: MarkKeeper
  readonly now: () => Date
  /** Runs `work` under the store lock (after this instance's other writers). */
  readonly exclusive: <T>(work: (lock: HeldLock) => Promise<T>) => Promise<T>
}

export class StoreReset {
  readonly #ctx: StoreResetContext
  readonly #pending = new Map<string, PendingReset>()

  constructor(ctx: StoreResetContext) {
    this.#ctx = ctx
  }

  /** Step 1 (see FileStore.requestReset). */
  async request(): Promise<ResetRequest> {
    const finding = await this.#diagnose(false)
    const affected = await affectedFiles(this.#ctx.dir, finding.scope)
    const confirmation = randomBytes(16).toString('base64url')
    const { cause, scope, diagnosis } = finding
    this.#pending.set(confirmation, { scope, cause, files: affected.files })
    return { confirmation, cause, diagnosis, scope, affected }
  }

  /** Step 2 (see FileStore.reset). The token is used up even if the store changed meanwhile. */
  async confirm(request: ResetConfirmation): Promise<StoreAuditRecord> {
    const checked = checkResetConfirmation(request, this.#pending)
    this.#pending.delete(checked.confirmation)
    const ctx = this.#ctx
    await ensureStoreDir(ctx.dir)
    return ctx.exclusive(async (lock) => {
      const finding = await this.#diagnose(true)
      const affected = await affectedFiles(ctx.dir, finding.scope)
      const { pending } = checked
      // Never quarantine a file the user was not shown: a reset removes trust, so its scope is exact.
      const unconfirmed = affected.files.some((f) => !pending.files.includes(f))
      if (finding.scope !== pending.scope || finding.cause !== pending.cause || unconfirmed) {
        throw new SdkError(
          ErrorCode.ConfirmationRequired,
          'The store changed since requestReset(); request the reset again.',
        )
      }
      return runReset({
        ...{ dir: ctx.dir, storeId: ctx.storeId, secrets: ctx.secrets, names: ctx.names, lock, finding },
        keeper: ctx.marks,
        ...{ files: affected.files, accounts: affected.accounts, now: ctx.now() },
        ...{ actor: checked.actor, reason: checked.reason },
      })
    })
  }

  /** Returns only an unhealthy finding; a store that verifies is refused. */
  async #diagnose(underLock: boolean): Promise<Extract<Diagnosis, { healthy: false }>> {
    const ctx = this.#ctx
    await ensureStoreDir(ctx.dir)
    const finding = await diagnose({
      dir: ctx.dir,
      secrets: ctx.secrets,
      names: ctx.names,
      openKeys: () =>
        openKeys({
          ...{ dir: ctx.dir, storeId: ctx.storeId, secrets: ctx.secrets, names: ctx.names, now: ctx.now },
          // Under the lock already: openKeys' own locking would wait for ourselves.
          exclusive: underLock ? (work) => work() : (work) => ctx.exclusive(() => work()),
        }),
      readMarks: async () => {
        const marks = await ctx.marks.fresh()
        marks.markedPrefixes() // loads and verifies every bucket: a damaged one is a store-wide finding
        return marks
      },
      readAudit: (keys, marks) => new AuditLog(ctx.dir, keys).read(marks),
    })
    if (finding.healthy) {
      throw new SdkError(
        ErrorCode.InvalidOption,
        'FileStore: the store verifies (key, marks and audit log), so there is nothing to reset. ' +
          'Use requestForget() to remove commitments, or to reset one account whose file fails verification.',
        { details: { reason: 'store-healthy' } },
      )
    }
    return finding
  }
}
