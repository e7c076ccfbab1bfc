// The default backend: keytar (libsecret / macOS Keychain / Windows Credential Manager). It is archived
// upstream but still builds (N-API), and is what the SDK mandates by default (integration notes §4.3).
// It is an optional dependency with a native build, so it is imported lazily and a missing or broken
// build is reported as MUASTS_ERR_KEYCHAIN_UNAVAILABLE, never worked around.
import * as z from 'zod'
import { parseOptions } from '../parse-options.js'
import { keychainUnavailable } from '../store-errors.js'
import { keychainCall } from './keychain-call.js'
import { oneLineCause } from './keychain-failure.js'
import { type SecretStore, ServiceNameSchema } from './secret-store.js'

/** The part of keytar's API the store uses (keytar's own signatures). */
export type KeytarModule = {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

const KeytarOptionsSchema = z.strictObject({
  /** Keychain service name; entries are (service, name) pairs. */
  service: ServiceNameSchema.default('mua-sts'),
  /** Deadline for one keychain call in milliseconds. */
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Module loader seam (tests inject a failing loader). Default: `import('keytar')`. */
  load: z.custom<() => Promise<KeytarModule>>((v) => typeof v === 'function').optional(),
})
/** Options of `keytarSecretStore` (service default "mua-sts", timeoutMs default 30000). */
export type KeytarSecretStoreOptions = z.input<typeof KeytarOptionsSchema>

async function importKeytar(): Promise<KeytarModule> {
  const mod = (await import('keytar')) as KeytarModule & { default?: KeytarModule }
  // keytar is CommonJS: under ESM its functions sit on the default export.
  return mod.default ?? mod
}

/**
 * A SecretStore on keytar. Validates options eagerly (MUASTS_ERR_INVALID_OPTION). keytar is loaded on
 * first use; if it cannot load, every call rejects with MUASTS_ERR_KEYCHAIN_UNAVAILABLE. Note that keytar
 * resolves `get` with null when the keyring is locked; FileStore detects that with its probe entry.
 */
export function keytarSecretStore(options: KeytarSecretStoreOptions = {}): SecretStore {
  const opts = parseOptions(KeytarOptionsSchema, options, 'keytarSecretStore')
  const load = opts.load ?? importKeytar
  let loaded: Promise<KeytarModule> | undefined
  const keytar = (): Promise<KeytarModule> => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined
      throw keychainUnavailable(
        `keytar could not be loaded: ${oneLineCause(error)}`,
        { backend: 'keytar' },
        error,
      )
    })
    return loaded
  }
  const call = <T>(operation: string, fn: (k: KeytarModule) => Promise<T>): Promise<T> =>
    keychainCall('keytar', operation, opts.timeoutMs, async () => fn(await keytar()))
  return {
    backend: 'keytar',
    get: (name) => call('get', (k) => k.getPassword(opts.service, name)),
    set: (name, value) => call('set', (k) => k.setPassword(opts.service, name, value)),
    delete: async (name) => {
      await call('delete', (k) => k.deletePassword(opts.service, name))
    },
  }
}
