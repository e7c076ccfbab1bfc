// One hard deadline per connect, the same on IMAP, SMTP and POP3 (issue #13 item 1). `timeoutMs` covers
// everything from TCP connect to the first authenticated command; per-read timeouts cannot bound a
// server that trickles valid lines, so this one timer does. On expiry every attached socket is destroyed
// and the coded error names the phase that stalled. After login a separate idle timeout applies.
import { type ConnectPhase, ErrorCode, SdkError } from '@mua-sts/core'
import { abortedError, throwIfAborted, whenAborted } from './connect-abort.js'

/** Default connect deadline when the app sets no `timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 30_000
/** Default idle timeout after login (`idleTimeoutMs`): imapflow's socket timeout, RFC 9051 §5.4's 30 min floor is the server's. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000

/** Anything the deadline may destroy: a net.Socket, a TLSSocket, an imapflow socket. */
export type Destroyable = { destroy(error?: Error): unknown; readonly destroyed?: boolean }

export type DeadlineOptions = {
  /** Protocol name for messages, e.g. `IMAP`. */
  readonly what: string
  /**
   * Aborting destroys the sockets at once with MUASTS_ERR_ABORTED (`details.phase`). Already aborted:
   * the constructor throws that error before any timer or socket exists.
   */
  readonly signal?: AbortSignal | undefined
}

/** MUASTS_ERR_TIMEOUT for a connect that stalled in `phase`; `details: { phase, timeoutMs }`. */
export function timeoutError(what: string, phase: ConnectPhase, timeoutMs: number): SdkError {
  return new SdkError(
    ErrorCode.Timeout,
    `${what} connect did not finish within ${timeoutMs} ms (stalled in ${phase}). Try again later; if it keeps happening, check the server settings.`,
    {
      details: { phase, timeoutMs },
    },
  )
}

/**
 * The deadline of one connect. `enter(phase)` as the connection moves on; `attach(socket)` every socket
 * it opens; `race(p)` any promise that must not outlive it; `clear()` once the first authenticated command
 * completed. Does I/O only through the timer and `destroy()`.
 */
export class ConnectDeadline {
  readonly timeoutMs: number
  readonly #what: string
  readonly #sockets = new Set<Destroyable>()
  readonly #listeners: Array<(error: SdkError) => void> = []
  readonly #started = Date.now()
  #phase: ConnectPhase = 'tcp'
  #error: SdkError | undefined
  #timer: NodeJS.Timeout | undefined
  #reject: ((error: SdkError) => void) | undefined
  // Removes the abort listener: called when the deadline clears, so a long-lived signal keeps none.
  readonly #stopWatchingAbort: () => void
  /** Rejects with the timeout (or abort) error; never resolves. A no-op handler is attached. */
  readonly done: Promise<never>

  constructor(timeoutMs: number, options: DeadlineOptions) {
    throwIfAborted(options.signal, options.what)
    this.timeoutMs = timeoutMs
    this.#what = options.what
    this.done = new Promise<never>((_resolve, reject) => {
      this.#reject = reject
    })
    this.done.catch(() => undefined)
    this.#timer = setTimeout(() => this.#fire(timeoutError(this.#what, this.#phase, timeoutMs)), timeoutMs)
    // The sockets keep the process alive while they matter; the deadline alone should not.
    this.#timer.unref()
    this.#stopWatchingAbort = whenAborted(options.signal, (reason) =>
      this.#fire(abortedError(this.#what, this.#phase, reason)),
    )
  }

  /** The phase the connect is in now (the one a timeout names). */
  get phase(): ConnectPhase {
    return this.#phase
  }

  /** The timeout or abort error, once it fired. */
  get error(): SdkError | undefined {
    return this.#error
  }

  get expired(): boolean {
    return this.#error !== undefined
  }

  /** True once the app's signal ended the connect (MUASTS_ERR_ABORTED): no report blames the server. */
  get aborted(): boolean {
    return this.#error?.code === ErrorCode.Aborted
  }

  /** Records progress. Ignored after the deadline fired or was cleared. */
  enter(phase: ConnectPhase): void {
    if (this.#error === undefined && this.#timer !== undefined) this.#phase = phase
  }

  /** Destroys `socket` on expiry (at once if the deadline already fired). Returns it. */
  attach<S extends Destroyable>(socket: S): S {
    if (this.#error !== undefined) socket.destroy(this.#error)
    else if (this.#timer !== undefined) this.#sockets.add(socket)
    return socket
  }

  /** Runs `listener` once when the deadline fires (before the sockets are destroyed). */
  onExpire(listener: (error: SdkError) => void): void {
    if (this.#error !== undefined) listener(this.#error)
    else this.#listeners.push(listener)
  }

  /** `p`, or the deadline's error if that comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.done])
  }

  /** Milliseconds left (0 once fired or cleared). */
  remainingMs(now: number = Date.now()): number {
    return this.#timer === undefined ? 0 : Math.max(0, this.#started + this.timeoutMs - now)
  }

  /** Stops the deadline: the connect finished (or failed for another reason). Sockets stay open. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#sockets.clear()
    this.#stopWatchingAbort()
  }

  #fire(error: SdkError): void {
    if (this.#error !== undefined || this.#timer === undefined) return
    this.#error = error
    for (const l of this.#listeners.splice(0)) {
      try {
        l(error)
      } catch {
        // A listener's failure must not keep the sockets open: the deadline is the last line.
      }
    }
    for (const s of this.#sockets) if (s.destroyed !== true) s.destroy(error)
    this.#reject?.(error)
    this.clear()
  }
}

/**
 * Starts the hard deadline of one connect (`timeoutMs` defaults to {@link DEFAULT_TIMEOUT_MS}).
 * Starts a timer; no other I/O.
 * @throws SdkError MUASTS_ERR_ABORTED when `options.signal` is already aborted.
 */
export function connectDeadline(timeoutMs: number | undefined, options: DeadlineOptions): ConnectDeadline {
  return new ConnectDeadline(timeoutMs ?? DEFAULT_TIMEOUT_MS, options)
}
