// Opening a FileStore: the directory, then the key (or the unprotected marker), then the per-account
// readers. A failed open leaves nothing behind (issue #16 item 9): lock and temp files are removed on
// every path by their own code, and the directories this attempt created are removed again if empty.
import { AccountFiles } from './account-files.js'
import { AuditLog } from './audit/audit-log.js'
import type { Instant } from './fs/settled.js'
import { ensureStoreDir, removeCreated } from './fs/store-dir.js'
import type { StoreKeys } from './integrity/keys.js'
import { openKeys, type SecretNames } from './integrity/open-keys.js'
import { openUnprotected } from './integrity/open-unprotected.js'
import type { SecretStore } from './secrets/secret-store.js'

/** What an opened store reads and writes with (null keys: the explicitly unprotected mode). */
export type Opened = {
  readonly keys: StoreKeys | null
  readonly files: AccountFiles
  readonly audit: AuditLog
}

export type OpenStoreContext = {
  readonly dir: string
  readonly storeId: string
  /** null for `integrity: 'none-explicit-opt-in'`. */
  readonly keychain: { readonly secrets: SecretStore; readonly names: SecretNames } | null
  readonly now: () => Date
  readonly maxFileBytes: number
  /** Runs `work` under the store lock. */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>
  /** Receives the marks item read while opening (see openKeys). */
  readonly sawMarks: (raw: string, at: Instant) => void
}

/** Opens (or creates) the store in `ctx.dir`. Does I/O. Throws the codes of FileStore.ready(). */
export async function openStore(ctx: OpenStoreContext): Promise<Opened> {
  const { created } = await ensureStoreDir(ctx.dir)
  try {
    const { dir, storeId, now, exclusive } = ctx
    const keys =
      ctx.keychain === null
        ? await openUnprotected({ dir, storeId, now, exclusive })
        : await openKeys({ dir, storeId, now, exclusive, ...ctx.keychain, sawMarks: ctx.sawMarks })
    return { keys, files: new AccountFiles(dir, keys, ctx.maxFileBytes), audit: new AuditLog(dir, keys) }
  } catch (error) {
    await removeCreated(ctx.dir, created)
    throw error
  }
}
