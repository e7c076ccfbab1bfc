// What the app hears from a guarded client, for its whole life (issue #13 items 4 and 5):
// - post-TLS `[ALERT]` text, which RFC 9051 §7.1 says must be shown to the user, through `onAlert`
//   from the first post-TLS response on (during connect and login too, when the app cannot yet hold the
//   client); pre-TLS alerts are dropped here and refused and counted as evidence by the scanner;
// - connection errors through `onError` and as the next operation's rejection. The SDK's own 'error'
//   listener stays attached for the client's whole life, so a reset after login can never become an
//   unhandled 'error' event that kills the (Electron main) process.
import { type SdkError, safeText } from '@mua-sts/core'
import type { GuardedImapFlow } from './guarded-client.js'
import { toImapError } from './imap-errors.js'
import type { ImapSession } from './session.js'

/** A post-TLS `[ALERT]` from an IMAP server, made safe to show (no control bytes, no markup). */
export type ImapAlert = {
  /** The alert text (RFC 9051 §7.1), at most 1000 characters, sanitized. */
  readonly message: string
  /** The response that carried it: `OK`, `NO`, `BAD`, `BYE` or `PREAUTH`. */
  readonly response: string
}

export type ClientListeners = {
  readonly onAlert?: ((alert: ImapAlert) => void) | undefined
  readonly onError?: ((error: SdkError) => void) | undefined
}

/** How connectImap drives the listeners around connect(). */
export type ClientEvents = {
  /** The first error emitted while connect() was running (imapflow rejects connect() for most). */
  readonly held: SdkError | undefined
  /** From now on errors go to `onError` instead of being held. */
  connected(): void
}

// An app callback that throws must not turn into an uncaught exception inside a socket event.
function safely<T>(fn: ((x: T) => void) | undefined, x: T): void {
  try {
    fn?.(x)
  } catch {
    // The app's listener failed; the SDK's own handling (markBroken, rejection) already happened.
  }
}

const RESPONSE_RE = /^(?:OK|NO|BAD|BYE|PREAUTH)$/

/** Attaches the SDK's listeners before connect(); they stay for the client's whole life. */
export function attachClientEvents(
  client: GuardedImapFlow,
  session: ImapSession,
  listeners: ClientListeners,
): ClientEvents {
  let connected = false
  let held: SdkError | undefined
  client.on('error', (error: unknown) => {
    const coded = toImapError(error, session.passedSocket !== undefined)
    client.markBroken(coded)
    if (connected) safely(listeners.onError, coded)
    else held ??= coded
  })
  client.on('alert', (alert: { message?: unknown; response?: unknown }) => {
    // Before the guard passed a TLS socket the text is the attacker's: never shown.
    if (session.passedSocket === undefined) return
    const response = String(alert?.response ?? '').toUpperCase()
    safely(listeners.onAlert, {
      message: safeText(String(alert?.message ?? ''), 1000),
      response: RESPONSE_RE.test(response) ? response : 'OK',
    })
  })
  return {
    get held() {
      return held
    },
    connected() {
      connected = true
    },
  }
}
