// Cancelling a guarded connect (issue #16 item 2), the same on IMAP, SMTP and POP3: a wizard's Cancel
// must stop a hanging login at once, whatever phase it is in, and must not leave a listener behind on
// an app's long-lived signal. ConnectDeadline uses these to destroy its sockets on abort; an adapter
// calls `throwIfAborted` first, so an already-aborted signal rejects before any store read or socket.
// An abort is the app's own decision, never evidence about the server: no report is built for it.
import { type ConnectPhase, ErrorCode, SdkError } from '@mua-sts/core'

/** Where a connect can be when it is cancelled: before it started, or in one of its phases. */
export type AbortPhase = ConnectPhase | 'start'

/**
 * MUASTS_ERR_ABORTED for a connect the app cancelled in `phase` (`details.phase`); the signal's
 * reason is the `cause`. Pure.
 */
export function abortedError(what: string, phase: AbortPhase, reason?: unknown): SdkError {
  const when = phase === 'start' ? 'before it started' : `during ${phase}`
  return new SdkError(
    ErrorCode.Aborted,
    `${what} connect cancelled by the app ${when}; the connection was closed.`,
    { ...(reason === undefined ? {} : { cause: reason }), details: { phase } },
  )
}

/**
 * Throws MUASTS_ERR_ABORTED (phase `start`) if `signal` is already aborted. Does no I/O; call it
 * before the first store read or socket.
 */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw abortedError(what, 'start', signal.reason)
}

/**
 * Runs `onAbort(reason)` once when `signal` aborts. Returns the disposer that removes the listener;
 * call it when the connect settles, so a signal shared by many connects keeps no listener per connect.
 * An already-aborted signal is not handled here (see {@link throwIfAborted}). Does no I/O.
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (signal === undefined || signal.aborted) return () => undefined
  const listener = (): void => onAbort(signal.reason)
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}
