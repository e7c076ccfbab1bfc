// Opening the commitment store for every command that reads or writes it. The store is opened in the
// integrity mode it was created with: a store made by an app without a keychain ('none-explicit-opt-in')
// can only be read in that mode, and the CLI never picks it by itself. `--keychain` names where the
// integrity key lives (keychain/secret-backend.ts); it must be the backend the store was created with.
import { existsSync } from 'node:fs'
import { FileStore } from '@mua-sts/store'
import { z } from 'zod'
import { UsageError } from './exit.js'
import type { CliIo } from './io.js'
import { KEYCHAIN_PASSPHRASE_ENV, KEYCHAINS, secretStoreFor } from './keychain/secret-backend.js'

export const STORE_FLAGS = {
  store: { type: 'string' },
  integrity: { type: 'string' },
  keychain: { type: 'string' },
  'keychain-file': { type: 'string' },
  'keychain-passphrase-stdin': { type: 'boolean' },
} as const

export const StoreArgsSchema = z.object({
  /** Store directory; default: the per-user data directory FileStore uses. */
  store: z.string().min(1).max(4096).optional(),
  integrity: z.enum(['keychain', 'none-explicit-opt-in']).default('keychain'),
  keychain: z.enum(KEYCHAINS).optional(),
  'keychain-file': z.string().min(1).max(4096).optional(),
  'keychain-passphrase-stdin': z.boolean().default(false),
})
export type StoreArgs = z.output<typeof StoreArgsSchema>

export const STORE_HELP = `  --store <dir>        Commitment store directory. Default: the per-user store FileStore uses.
  --integrity <mode>   keychain (default) or none-explicit-opt-in, as the store was created.
  --keychain <name>    Where the store's integrity key and anti-rollback marks live, as the store was
                       created: keytar (default; libsecret / macOS Keychain / Windows Credential
                       Manager), napi-keyring (@napi-rs/keyring; it cannot see keytar's items), or file.
                       file seals them with AES-256-GCM under a passphrase (scrypt) in
                       <store dir>.keychain, for machines without a keychain. It protects the store
                       against anyone who can write its files but does not know the passphrase; it does
                       NOT stop a rollback by someone who restores the store directory and the keychain
                       file together, nor malware running as you. Passphrase: ${KEYCHAIN_PASSPHRASE_ENV},
                       --keychain-passphrase-stdin, or a hidden prompt on a terminal.
  --keychain-file <f>  File of --keychain file (outside the store directory). Default <store dir>.keychain.
  --keychain-passphrase-stdin  Read the --keychain file passphrase from the first line of stdin.`

function dirOf(args: StoreArgs): string {
  // The constructor only resolves the directory (no I/O, no keychain), the same way the real store will.
  return new FileStore({
    ...(args.store === undefined ? {} : { dir: args.store }),
    integrity: 'none-explicit-opt-in',
  }).dir
}

/** Flag combinations that cannot work, refused before any file or keychain is touched. */
function checkStoreArgs(args: StoreArgs): void {
  const keychainFlags = args['keychain-file'] !== undefined || args['keychain-passphrase-stdin']
  if (args.integrity === 'none-explicit-opt-in' && (args.keychain !== undefined || keychainFlags))
    throw new UsageError('--keychain: a store without integrity (none-explicit-opt-in) uses no keychain')
  if (args.keychain !== 'file' && keychainFlags)
    throw new UsageError('--keychain-file and --keychain-passphrase-stdin need --keychain file')
}

/** A FileStore for `args`, not yet opened (no I/O beyond reading a `--keychain file` passphrase). */
export async function storeFor(args: StoreArgs, io: CliIo): Promise<FileStore> {
  checkStoreArgs(args)
  const dir = dirOf(args)
  const base = { dir, integrity: args.integrity }
  if (args.integrity === 'none-explicit-opt-in') return new FileStore(base)
  const secrets = await secretStoreFor(
    {
      keychain: args.keychain ?? 'keytar',
      keychainFile: args['keychain-file'],
      keychainPassphraseStdin: args['keychain-passphrase-stdin'],
    },
    dir,
    io,
  )
  return new FileStore({ ...base, secrets })
}

/** The store, or undefined when its directory does not exist (nothing is created by reading). */
export async function openExistingStore(
  args: StoreArgs,
  io: CliIo,
): Promise<{ store: FileStore | undefined; dir: string }> {
  checkStoreArgs(args)
  const dir = dirOf(args)
  if (!existsSync(dir)) return { store: undefined, dir }
  return { store: await storeFor(args, io), dir }
}

/** Opens (and creates, if missing) the store: checks the keychain before anything else happens. */
export async function openOrCreateStore(args: StoreArgs, io: CliIo): Promise<FileStore> {
  const store = await storeFor(args, io)
  await store.ready()
  return store
}
