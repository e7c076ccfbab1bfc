// Opening a store in the explicitly unprotected mode (`integrity: 'none-explicit-opt-in'`): no key, no
// marks. The marker records the mode so that the two modes can never be confused for one another.
import { ErrorCode, SdkError } from '@mua-sts/core'
import { newMarker, readMarker, writeMarker } from './store-marker.js'

/**
 * Checks (or, for a new store, writes) the unprotected marker. Does I/O. Throws
 * MUASTS_ERR_INVALID_OPTION for a keychain-protected directory, MUASTS_ERR_STORE_CORRUPT / _IO.
 */
export async function openUnprotected(ctx: {
  readonly dir: string
  readonly storeId: string
  readonly now: () => Date
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>
}): Promise<null> {
  const marker = await readMarker(ctx.dir)
  if (marker?.integrity === 'keychain') {
    throw new SdkError(
      ErrorCode.InvalidOption,
      "FileStore options.integrity: this store is keychain-protected and cannot be opened with 'none-explicit-opt-in'",
    )
  }
  if (marker !== undefined) return null
  return ctx.exclusive(async () => {
    if ((await readMarker(ctx.dir)) === undefined) {
      const m = { integrity: 'none-explicit-opt-in', backend: null, keyId: null } as const
      await writeMarker(ctx.dir, newMarker({ ...m, storeId: ctx.storeId, now: ctx.now() }))
    }
    return null
  })
}
