// Every native keychain call goes through here: a deadline (a Secret Service prompt that nobody answers
// must not hang a mail connection forever) and one error code for every failure, whose message says
// what the backend said and whose `cause` is the backend's own error.
import { isSdkError } from '@mua-sts/core'
import { keychainUnavailable } from '../store-errors.js'
import { keychainFailureReason } from './keychain-failure.js'

/** Runs `call` with a deadline. Rejects with MUASTS_ERR_KEYCHAIN_UNAVAILABLE on failure or timeout. */
export async function keychainCall<T>(
  backend: string,
  operation: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(keychainUnavailable('the keychain did not answer in time', { backend, operation, timeoutMs })),
      timeoutMs,
    )
    timer.unref()
  })
  try {
    return await Promise.race([call(), deadline])
  } catch (error) {
    if (isSdkError(error)) throw error
    throw keychainUnavailable(keychainFailureReason(backend, operation, error), { backend, operation }, error)
  } finally {
    clearTimeout(timer)
  }
}
