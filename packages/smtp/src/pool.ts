// A small pool of guarded sessions (the `pool: true` mode). It never creates a connection itself: every
// new one comes from openSession(), so each pooled connection passes the guard before its AUTH, exactly
// like an unpooled one. A session is reused only after a fully successful message; any error retires it.
import type { GuardedSession } from './guarded-session.js'

export class SessionPool {
  readonly #open: () => Promise<GuardedSession>
  readonly #maxConnections: number
  readonly #maxMessages: number
  #idle: GuardedSession[] = []
  readonly #busy = new Set<GuardedSession>()
  #opening = 0
  readonly #waiters: Array<() => void> = []

  constructor(open: () => Promise<GuardedSession>, maxConnections: number, maxMessages: number) {
    this.#open = open
    this.#maxConnections = maxConnections
    this.#maxMessages = maxMessages
  }

  get #live(): number {
    return this.#idle.length + this.#busy.size + this.#opening
  }

  /** An idle healthy session, a new guarded one, or waits for one to be released. Does I/O. */
  async acquire(): Promise<GuardedSession> {
    for (;;) {
      const idle = this.#takeIdle()
      if (idle !== undefined) return this.#lend(idle)
      if (this.#live < this.#maxConnections) {
        this.#opening++
        try {
          return this.#lend(await this.#open())
        } catch (e) {
          this.#wake()
          throw e
        } finally {
          this.#opening--
        }
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** Returns a session after use; `reusable` is true only when its message went through. */
  release(session: GuardedSession, reusable: boolean): void {
    this.#busy.delete(session)
    if (reusable && session.usable && session.messages < this.#maxMessages) this.#idle.push(session)
    else session.quit()
    this.#wake()
  }

  /** Ends idle sessions now and busy ones when they are released. New messages open new sessions. */
  close(): void {
    for (const s of this.#idle) s.quit()
    this.#idle = []
    for (const s of this.#busy) s.retire()
    this.#wake()
  }

  /** True when a message could start without waiting for another one to finish. */
  isIdle(): boolean {
    return this.#idle.length > 0 || this.#live < this.#maxConnections
  }

  #lend(session: GuardedSession): GuardedSession {
    this.#busy.add(session)
    return session
  }

  #takeIdle(): GuardedSession | undefined {
    for (let s = this.#idle.pop(); s !== undefined; s = this.#idle.pop()) {
      if (s.usable) return s
      s.quit()
    }
    return undefined
  }

  #wake(): void {
    this.#waiters.shift()?.()
  }
}
