// FileStore options, validated eagerly (house style H15): a bad option throws MUASTS_ERR_INVALID_OPTION
// from the constructor, before any file or keychain is touched.
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import * as z from 'zod'
import { perUserDataDir } from './data-dir.js'
import { IntegrityModeSchema } from './integrity/store-marker.js'
import { parseOptions } from './parse-options.js'
import { keytarSecretStore } from './secrets/keytar.js'
import { type SecretStore, SecretStoreShape } from './secrets/secret-store.js'

/** Schema of FileStore options (see the package README for each option). */
export const FileStoreOptionsSchema = z
  .strictObject({
    /** Store directory. Default: `<per-user data dir>/mua-sts/commitments` (see `perUserDataDir`). */
    dir: z.string().min(1).max(4096).optional(),
    /** Where the integrity key and high-water marks live. Default: keytar (service "mua-sts"). */
    secrets: SecretStoreShape.optional(),
    /**
     * 'keychain' (default): MAC + anti-rollback with a key in `secrets`. 'none-explicit-opt-in': no
     * integrity at all (anyone who can write the directory can weaken a commitment); only for apps that
     * knowingly run without a keychain. Never chosen automatically.
     */
    integrity: IntegrityModeSchema.default('keychain'),
    /** Names this store's keychain items. Default: derived from the absolute directory path. */
    storeId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 of [A-Za-z0-9._-]')
      .optional(),
    /** How long a write waits for another process's lock before MUASTS_ERR_STORE_LOCKED. */
    lockTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
    /** Size cap of one account file; a larger file is corrupt and is not read. */
    maxFileBytes: z
      .number()
      .int()
      .min(4096)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /** Clock seam for tests (audit timestamps). */
    now: z.custom<() => Date>((v) => typeof v === 'function', 'expected a function').optional(),
  })
  .refine((o) => o.integrity === 'keychain' || o.secrets === undefined, {
    message: "an unprotected store ('none-explicit-opt-in') takes no secrets",
    path: ['secrets'],
  })

/** Options of `new FileStore()` / `FileStore.open()`. */
export type FileStoreOptions = z.input<typeof FileStoreOptionsSchema>

export type ResolvedOptions = {
  readonly dir: string
  readonly storeId: string
  readonly integrity: z.infer<typeof IntegrityModeSchema>
  readonly secrets: SecretStore | null
  readonly lockTimeoutMs: number
  readonly maxFileBytes: number
  readonly now: () => Date
}

/** Validates and resolves options. Throws MUASTS_ERR_INVALID_OPTION. No I/O. */
export function resolveOptions(input: unknown): ResolvedOptions {
  const o = parseOptions(FileStoreOptionsSchema, input ?? {}, 'FileStore')
  const dir = resolve(o.dir ?? join(perUserDataDir('mua-sts'), 'commitments'))
  // The default id binds the keychain items to the directory, so wiping or swapping the directory
  // cannot start a fresh store under the old marks; moving it needs the old storeId passed explicitly.
  const storeId = o.storeId ?? createHash('sha256').update(dir).digest('hex').slice(0, 32)
  return {
    dir,
    storeId,
    integrity: o.integrity,
    secrets: o.integrity === 'keychain' ? (o.secrets ?? keytarSecretStore()) : null,
    lockTimeoutMs: o.lockTimeoutMs,
    maxFileBytes: o.maxFileBytes,
    now: o.now ?? (() => new Date()),
  }
}
