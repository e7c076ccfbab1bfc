// Optional backend: @napi-rs/keyring (keyring-rs), prebuilt, no libsecret build step. NOT data-compatible
// with keytar: keytar files items under the attributes service+account, keyring-rs under service+username,
// and each reads the other's items as absent (integration notes §4.3). Switching an existing store between
// the two therefore looks exactly like a lost key and fails closed; it needs an explicit migration.
import * as z from 'zod'
import { parseOptions } from '../parse-options.js'
import { keychainUnavailable } from '../store-errors.js'
import { keychainCall } from './keychain-call.js'
import { oneLineCause } from './keychain-failure.js'
import { type SecretStore, ServiceNameSchema } from './secret-store.js'

type AsyncEntryLike = {
  getPassword(): Promise<string | null | undefined>
  setPassword(password: string): Promise<void>
  deleteCredential(): Promise<boolean>
}
/** The part of @napi-rs/keyring the store uses. */
export type NapiKeyringModule = { AsyncEntry: new (service: string, username: string) => AsyncEntryLike }

const NapiOptionsSchema = z.strictObject({
  service: ServiceNameSchema.default('mua-sts'),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  load: z.custom<() => Promise<NapiKeyringModule>>((v) => typeof v === 'function').optional(),
})
/** Options of `napiKeyringSecretStore` (same as keytar's). */
export type NapiKeyringSecretStoreOptions = z.input<typeof NapiOptionsSchema>

/**
 * A SecretStore on @napi-rs/keyring. Same contract as `keytarSecretStore`; see the module comment for
 * why its items are invisible to keytar and vice versa.
 */
export function napiKeyringSecretStore(options: NapiKeyringSecretStoreOptions = {}): SecretStore {
  const opts = parseOptions(NapiOptionsSchema, options, 'napiKeyringSecretStore')
  const load = opts.load ?? (() => import('@napi-rs/keyring') as Promise<NapiKeyringModule>)
  let loaded: Promise<NapiKeyringModule> | undefined
  const entry = async (name: string): Promise<AsyncEntryLike> => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined
      throw keychainUnavailable(
        `@napi-rs/keyring could not be loaded: ${oneLineCause(error)}`,
        { backend: 'napi-keyring' },
        error,
      )
    })
    const { AsyncEntry } = await loaded
    return new AsyncEntry(opts.service, name)
  }
  const call = <T>(operation: string, name: string, fn: (e: AsyncEntryLike) => Promise<T>): Promise<T> =>
    keychainCall('napi-keyring', operation, opts.timeoutMs, async () => fn(await entry(name)))
  return {
    backend: 'napi-keyring',
    get: (name) => call('get', name, async (e) => (await e.getPassword()) ?? null),
    set: (name, value) => call('set', name, (e) => e.setPassword(value)),
    delete: async (name) => {
      await call('delete', name, (e) => e.deleteCredential())
    },
  }
}
