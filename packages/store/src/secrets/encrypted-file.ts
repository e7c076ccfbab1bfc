// SecretStore for Electron apps that use `safeStorage` instead of a native keychain module: secrets are
// encrypted with an app-supplied function pair (e.g. safeStorage.encryptStringAsync/decryptStringAsync,
// main process only) and kept in one file, normally next to the store.
//
// What this gives: confidentiality of the integrity key at rest, as strong as safeStorage on the platform
// (on Linux it may be the `basic_text` backend, i.e. no protection; check getSelectedStorageBackend()).
// Integrity of the commitments still comes from the store's MAC. What it does NOT give: anti-rollback
// against someone who can restore the whole directory, because the high-water marks then live in a file
// that can be restored together with the data. A native keychain (keytar) does not have that gap.
//
// `set` is read-modify-write on one file: FileStore only calls it while holding its store lock, and calls
// within one process are serialised here. Hence one secrets file per store: two stores sharing one file
// would hold different locks and could lose each other's updates.
import { basename, dirname } from 'node:path'
import * as z from 'zod'
import { readCapped, writeAtomic } from '../fs/safe-file.js'
import { parseOptions } from '../parse-options.js'
import { corrupt, keychainUnavailable } from '../store-errors.js'
import type { SecretStore } from './secret-store.js'

const MAX_BYTES = 16 * 1024 * 1024

const SecretsFileSchema = z.strictObject({
  format: z.literal('mua-sts/secrets'),
  version: z.literal(1),
  entries: z.record(z.string().max(256), z.base64().max(MAX_BYTES)),
})
type SecretsFile = z.infer<typeof SecretsFileSchema>

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')
const EncryptedFileOptionsSchema = z.strictObject({
  /** Absolute path of the secrets file, e.g. join(storeDir, 'secrets.json'). */
  path: z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'expected an absolute path'),
  /** E.g. `(s) => safeStorage.encryptStringAsync(s)`. */
  encrypt: fn<(plaintext: string) => Promise<Uint8Array>>(),
  /** E.g. `async (b) => (await safeStorage.decryptStringAsync(Buffer.from(b))).result`. */
  decrypt: fn<(ciphertext: Uint8Array) => Promise<string>>(),
})
/** Options of `encryptedFileSecretStore`. */
export type EncryptedFileSecretStoreOptions = z.input<typeof EncryptedFileOptionsSchema>

/**
 * A SecretStore in one encrypted file. Validates options eagerly (MUASTS_ERR_INVALID_OPTION). Does I/O
 * on every call (no cache, so other processes' writes are seen). A malformed file rejects with
 * MUASTS_ERR_STORE_CORRUPT; a failing encrypt/decrypt with MUASTS_ERR_KEYCHAIN_UNAVAILABLE.
 */
export function encryptedFileSecretStore(options: EncryptedFileSecretStoreOptions): SecretStore {
  const opts = parseOptions(EncryptedFileOptionsSchema, options, 'encryptedFileSecretStore')
  const dir = dirname(opts.path)
  const name = basename(opts.path)
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work)
    queue = run.catch(() => {})
    return run
  }

  const load = async (): Promise<SecretsFile> => {
    const bytes = readCapped(dir, name, MAX_BYTES)?.bytes
    if (bytes === undefined) return { format: 'mua-sts/secrets', version: 1, entries: {} }
    let raw: unknown
    try {
      raw = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      throw corrupt('secrets file is not JSON', { file: name }, error)
    }
    const parsed = SecretsFileSchema.safeParse(raw)
    if (!parsed.success) throw corrupt('secrets file is malformed', { file: name }, parsed.error)
    return parsed.data
  }
  const save = (file: SecretsFile) => writeAtomic(dir, name, Buffer.from(`${JSON.stringify(file)}\n`))
  const crypt = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw keychainUnavailable(
        'the encryption function failed',
        { backend: 'encrypted-file', operation },
        error,
      )
    }
  }

  return {
    backend: 'encrypted-file',
    get: (key) =>
      serial(async () => {
        const entry = (await load()).entries[key]
        if (entry === undefined) return null
        return crypt('decrypt', () => opts.decrypt(Buffer.from(entry, 'base64')))
      }),
    set: (key, value) =>
      serial(async () => {
        const file = await load()
        const sealed = Buffer.from(await crypt('encrypt', () => opts.encrypt(value))).toString('base64')
        await save({ ...file, entries: { ...file.entries, [key]: sealed } })
      }),
    delete: (key) =>
      serial(async () => {
        const file = await load()
        if (!(key in file.entries)) return
        const { [key]: _removed, ...entries } = file.entries
        await save({ ...file, entries })
      }),
  }
}
