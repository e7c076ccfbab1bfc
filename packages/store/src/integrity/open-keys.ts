// Opening the store's integrity key, failing closed in every case where data exists but the key does
// not come back (integration notes §4.2: keytar resolves null when the keyring is locked, so a null read
// must never be taken as "new store" once the directory shows a key was created).
//
// Keychain items of a store (names derived from its storeId): `key` (the master key), `probe` (a random
// value written with the key) and `marks` (high-water marks). Creation order is marks, probe, key, then
// the marker file, so that any interrupted creation is either repeated (no key yet) or complete.
import { randomBytes } from 'node:crypto'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { type Instant, instant } from '../fs/settled.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { corrupt, keychainUnavailable, rollback } from '../store-errors.js'
import { deriveKeys, newMasterKey, type StoreKeys } from './keys.js'
import { emptyAnchor, encodeAnchor } from './marks.js'
import { hasStoreData, type Marker, newMarker, readMarker, writeMarker } from './store-marker.js'

export type SecretNames = { readonly key: string; readonly probe: string; readonly marks: string }

export function secretNames(storeId: string): SecretNames {
  return { key: `store/${storeId}/key`, probe: `store/${storeId}/probe`, marks: `store/${storeId}/marks` }
}

export type OpenKeysContext = {
  readonly dir: string
  readonly storeId: string
  readonly secrets: SecretStore
  readonly names: SecretNames
  readonly now: () => Date
  /** Runs `work` under the store lock. */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>
  /** Receives the marks item read while opening, and a moment before it was read (saves a re-read). */
  readonly sawMarks?: (raw: string, at: Instant) => void
}

/**
 * Returns the store's keys, creating them for a new store. Does I/O (keychain, marker file). Throws
 * MUASTS_ERR_KEYCHAIN_UNAVAILABLE (locked/unavailable keychain while the store has data),
 * MUASTS_ERR_STORE_CORRUPT (key deleted or swapped, store made without integrity) or
 * MUASTS_ERR_STORE_ROLLBACK (high-water marks deleted).
 */
export async function openKeys(ctx: OpenKeysContext): Promise<StoreKeys> {
  const marker = await readMarker(ctx.dir)
  if (marker?.integrity === 'none-explicit-opt-in') {
    throw corrupt('this store was written without integrity protection and cannot be opened with a key')
  }
  // Before any keychain call: another backend cannot see this store's items (keytar and keyring-rs file
  // them under different attributes), and its "nothing here" would read like a lost key.
  if (marker?.backend != null && marker.backend !== ctx.secrets.backend)
    throw backendMismatch(marker.backend, ctx.secrets.backend)
  const encoded = await ctx.secrets.get(ctx.names.key)
  if (encoded !== null) return finishOpen(ctx, encoded, marker)
  if (marker !== undefined || (await hasStoreData(ctx.dir))) throw await missingKey(ctx)
  return ctx.exclusive(async () => {
    // Re-check under the lock: another process may have created the key while we waited.
    const again = await ctx.secrets.get(ctx.names.key)
    const markerNow = await readMarker(ctx.dir)
    if (again !== null) return finishOpen(ctx, again, markerNow)
    if (markerNow !== undefined || (await hasStoreData(ctx.dir))) throw await missingKey(ctx)
    return createKeys(ctx)
  })
}

// How to open a store with each built-in backend: the CLI flag and the SDK factory.
const HOW_TO_OPEN: Readonly<Record<string, string>> = {
  keytar: '`--keychain keytar` / `keytarSecretStore()`',
  'napi-keyring': '`--keychain napi-keyring` / `napiKeyringSecretStore()`',
  'encrypted-file':
    '`--keychain file` / `encryptedFileSecretStore()` with the encryption it was created with',
  memory: 'the same `MemorySecretStore`',
}

// store.json is a file anyone with write access can edit: quote the recorded name only if it is plain.
const printable = (name: string): string =>
  /^[A-Za-z0-9._-]{1,64}$/.test(name) ? name : 'an unrecognised backend'

function backendMismatch(recorded: string, opened: string): Error {
  const name = printable(recorded)
  const how = HOW_TO_OPEN[recorded] ?? `a SecretStore whose backend is "${name}"`
  return keychainUnavailable(
    `this store was created with ${name}; it was opened with ${printable(opened)}. Open it with ${how}`,
    { backend: opened, recordedBackend: name },
  )
}

/** True for the error above: the store is fine, only opened with the wrong backend (never a reason to reset). */
export function isBackendMismatch(error: unknown): boolean {
  return (
    isSdkError(error, ErrorCode.KeychainUnavailable) &&
    typeof (error.details as { recordedBackend?: unknown } | undefined)?.recordedBackend === 'string'
  )
}

async function missingKey(ctx: OpenKeysContext): Promise<Error> {
  const probe = await ctx.secrets.get(ctx.names.probe)
  if (probe === null) {
    return keychainUnavailable(
      'the keychain returned neither the integrity key nor its probe although this store has data ' +
        '(locked, unavailable, or reset); refusing to start over',
      { backend: ctx.secrets.backend },
    )
  }
  return corrupt('the integrity key is missing from the keychain while its probe is present', {
    backend: ctx.secrets.backend,
  })
}

async function finishOpen(
  ctx: OpenKeysContext,
  encoded: string,
  marker: Marker | undefined,
): Promise<StoreKeys> {
  const keys = deriveKeys(encoded)
  if (marker !== undefined && marker.keyId !== keys.keyId) {
    throw corrupt('the keychain holds a different integrity key than the one this store was created with')
  }
  if (marker !== undefined) {
    const at = instant()
    const marks = await ctx.secrets.get(ctx.names.marks)
    if (marks === null) throw rollback('the high-water marks are missing from the keychain')
    ctx.sawMarks?.(marks, at)
    return keys
  }
  // Key present, marker absent: a store from before the marker existed, or a creation interrupted after
  // the key was written. Complete it (marks first, so an existing mark set is never replaced).
  return ctx.exclusive(async () => {
    if ((await ctx.secrets.get(ctx.names.marks)) === null) {
      await ctx.secrets.set(ctx.names.marks, encodeAnchor(emptyAnchor()))
    }
    await writeMarker(ctx.dir, markerFor(ctx, keys))
    return keys
  })
}

async function createKeys(ctx: OpenKeysContext): Promise<StoreKeys> {
  const probe = randomBytes(16).toString('base64url')
  const key = newMasterKey()
  await ctx.secrets.set(ctx.names.marks, encodeAnchor(emptyAnchor()))
  await ctx.secrets.set(ctx.names.probe, probe)
  await ctx.secrets.set(ctx.names.key, key)
  // Read back: a keychain that accepts writes but cannot return them is as good as none.
  const [keyBack, probeBack] = [await ctx.secrets.get(ctx.names.key), await ctx.secrets.get(ctx.names.probe)]
  if (keyBack !== key || probeBack !== probe) {
    throw keychainUnavailable('the keychain accepted the new key but did not return it', {
      backend: ctx.secrets.backend,
    })
  }
  const keys = deriveKeys(key)
  await writeMarker(ctx.dir, markerFor(ctx, keys))
  return keys
}

function markerFor(ctx: OpenKeysContext, keys: StoreKeys): Marker {
  return newMarker({
    integrity: 'keychain',
    backend: ctx.secrets.backend,
    storeId: ctx.storeId,
    keyId: keys.keyId,
    now: ctx.now(),
  })
}
