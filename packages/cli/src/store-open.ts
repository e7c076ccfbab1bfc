// Opening the commitment store for the `pins` commands. The store is opened in the integrity mode it
// was created with: a store made by an app without a keychain ('none-explicit-opt-in') can only be
// read in that mode, and the CLI never picks it by itself.
import { existsSync } from 'node:fs'
import { FileStore } from '@mua-sts/store'
import { z } from 'zod'

export const STORE_FLAGS = {
  store: { type: 'string' },
  integrity: { type: 'string' },
} as const

export const StoreArgsSchema = z.object({
  /** Store directory; default: the per-user data directory FileStore uses. */
  store: z.string().min(1).max(4096).optional(),
  integrity: z.enum(['keychain', 'none-explicit-opt-in']).default('keychain'),
})
export type StoreArgs = z.output<typeof StoreArgsSchema>

export const STORE_HELP = `  --store <dir>        Commitment store directory. Default: the per-user store FileStore uses.
  --integrity <mode>   keychain (default) or none-explicit-opt-in, as the store was created.`

/** The store, or undefined when its directory does not exist (nothing is created by reading). */
export function openExistingStore(args: StoreArgs): { store: FileStore | undefined; dir: string } {
  const store = new FileStore({
    ...(args.store === undefined ? {} : { dir: args.store }),
    integrity: args.integrity,
  })
  return existsSync(store.dir) ? { store, dir: store.dir } : { store: undefined, dir: store.dir }
}
