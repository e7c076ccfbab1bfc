// Per-source deadlines. Each source gets its own signal so a slow autoconfig host cannot starve SRV,
// and the caller's signal still cancels everything at once.
import { IssueCode } from './errors.js'

/** A signal that fires on the caller's abort or after `timeoutMs`, whichever comes first. */
export function sourceSignal(parent: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return parent === undefined ? timeout : AbortSignal.any([parent, timeout])
}

/**
 * Settles with `work`, or rejects once `signal` fires. For APIs that take no signal (node:dns
 * Resolver methods): the underlying query keeps running but its result is ignored.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** Which code an aborted source gets: the caller's abort, or its own deadline. */
export function abortCode(caller: AbortSignal | undefined): IssueCode {
  return caller?.aborted === true ? IssueCode.Aborted : IssueCode.Timeout
}
