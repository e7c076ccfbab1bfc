// Telling a store that lost its means of verification (reset is the way out) from one that is merely
// unreachable right now (reset would destroy good data). The difficult pair is keytar's: a locked
// gnome-keyring and a recreated, empty one both answer every read with null (integration notes §4.2).
// They differ in writes: a locked keyring refuses them, a working one stores and returns them. So a
// store whose items read as null is diagnosed by writing, reading back and deleting a canary item, and
// then reading the store's own items again (the user may have unlocked the keychain in between).
import { randomBytes } from 'node:crypto'
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import type { StoreKeys } from '../integrity/keys.js'
import type { Marks } from '../integrity/mark-snapshot.js'
import { isBackendMismatch, type SecretNames } from '../integrity/open-keys.js'
import { readMarker } from '../integrity/store-marker.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { keychainUnavailable } from '../store-errors.js'

/** Which part of the store a reset must replace. */
export type ResetScope = 'store' | 'audit-log'

/** The outcome of `diagnose`: nothing to reset, or what to reset and why. */
export type Diagnosis =
  | { readonly healthy: true }
  | {
      readonly healthy: false
      readonly scope: ResetScope
      readonly cause: IntegrityCode | typeof ErrorCode.KeychainUnavailable
      /** Why, in words (the failing check's reason); never a secret. */
      readonly diagnosis: string
      /** For scope 'audit-log' only: the key and marks, which verified (internal; never returned to apps). */
      readonly verified?: { readonly keys: StoreKeys; readonly marks: Marks }
    }

export type DiagnoseContext = {
  readonly dir: string
  readonly secrets: SecretStore
  readonly names: SecretNames
  /** Opens the key (core of FileStore.ready); throws the store's codes. */
  readonly openKeys: () => Promise<StoreKeys>
  /** Reads and parses the marks, and verifies every bucket file they name. */
  readonly readMarks: () => Promise<Marks>
  /** Reads and verifies the audit log against the marks. */
  readonly readAudit: (keys: StoreKeys, marks: Marks) => Promise<unknown>
}

function reasonOf(error: SdkError): string {
  const reason = (error.details as { reason?: unknown } | undefined)?.reason
  return (typeof reason === 'string' ? reason : error.message).slice(0, 512)
}

type IntegrityCode = typeof ErrorCode.StoreCorrupt | typeof ErrorCode.StoreRollback

function isIntegrity(error: unknown): error is SdkError & { code: IntegrityCode } {
  return isSdkError(error, ErrorCode.StoreCorrupt) || isSdkError(error, ErrorCode.StoreRollback)
}

/**
 * True when the keychain stores a value and returns it (a canary item, removed again). Does I/O;
 * never throws.
 */
export async function keychainWorks(secrets: SecretStore, names: SecretNames): Promise<boolean> {
  const name = `${names.key.slice(0, -'/key'.length)}/canary`
  const value = randomBytes(16).toString('base64url')
  try {
    await secrets.set(name, value)
    const back = await secrets.get(name)
    await secrets.delete(name)
    return back === value
  } catch {
    return false
  }
}

/** The error for a keychain that does not work now: never a reason to reset. */
function lockedError(secrets: SecretStore, cause: unknown): SdkError {
  return keychainUnavailable(
    'the keychain is locked or unreachable (it does not keep a test item), so whether the store lost its ' +
      'key cannot be told; unlock the keychain (or start its service) and try again; a reset is offered ' +
      "only when the keychain works and no longer holds this store's items",
    { backend: secrets.backend },
    cause,
  )
}

/**
 * Finds out whether the store can be verified, and if not, whether a reset may replace it. Does I/O
 * (keychain, marker, audit log; writes only the canary). Returns `healthy` when key, marks and audit log
 * verify (account files are checked per account; an unverifiable one is reset with `requestForget`).
 * Throws MUASTS_ERR_KEYCHAIN_UNAVAILABLE when the keychain is locked or unreachable, MUASTS_ERR_INVALID_OPTION
 * for a store made without integrity, and MUASTS_ERR_STORE_IO / _LOCKED as they come.
 */
export async function diagnose(ctx: DiagnoseContext): Promise<Diagnosis> {
  const opened = await openOrClassify(ctx)
  if ('healthy' in opened) return opened
  const keys = opened
  let marks: Marks
  try {
    marks = await ctx.readMarks()
  } catch (error) {
    if (!isIntegrity(error)) throw error
    return unhealthy('store', error)
  }
  try {
    await ctx.readAudit(keys, marks)
  } catch (error) {
    if (!isIntegrity(error)) throw error
    return { ...unhealthy('audit-log', error), verified: { keys, marks } }
  }
  return { healthy: true }
}

/**
 * Opens the key. A store made without integrity is not this ceremony's business. A
 * KEYCHAIN_UNAVAILABLE is passed on only once the canary shows the keychain works and the store's items
 * still read as missing (items deleted or keyring recreated); a keychain that does not keep the canary
 * is locked or unreachable, and that error is thrown instead.
 */
async function openOrClassify(ctx: DiagnoseContext): Promise<StoreKeys | Diagnosis> {
  try {
    if ((await readMarker(ctx.dir))?.integrity === 'none-explicit-opt-in') {
      throw new SdkError(
        ErrorCode.InvalidOption,
        'This store has no integrity key to reset (none-explicit-opt-in).',
      )
    }
  } catch (error) {
    if (!isSdkError(error, ErrorCode.StoreCorrupt)) throw error
    // A malformed marker is itself a reason to reset; openKeys reports it.
  }
  try {
    return await ctx.openKeys()
  } catch (error) {
    if (isIntegrity(error)) return unhealthy('store', error)
    if (!isSdkError(error, ErrorCode.KeychainUnavailable)) throw error
    // Opened with another backend than the one it was made with: nothing is lost, so nothing is reset.
    if (isBackendMismatch(error)) throw error
    if (!(await keychainWorks(ctx.secrets, ctx.names))) throw lockedError(ctx.secrets, error)
  }
  // The keychain works now; it may just have been unlocked, so look again before calling it lost.
  try {
    return await ctx.openKeys()
  } catch (error) {
    if (isIntegrity(error)) return unhealthy('store', error)
    if (!isSdkError(error, ErrorCode.KeychainUnavailable)) throw error
    return {
      healthy: false,
      scope: 'store',
      cause: ErrorCode.KeychainUnavailable,
      diagnosis:
        "the keychain works but no longer holds this store's integrity key or its probe " +
        '(items deleted, or the keyring was recreated)',
    }
  }
}

function unhealthy(
  scope: ResetScope,
  error: SdkError & { code: IntegrityCode },
): Extract<Diagnosis, { healthy: false }> {
  return { healthy: false, scope, cause: error.code, diagnosis: reasonOf(error) }
}
