// connectImap(): the guarded way to open an imapflow session (house style H17). Load the commitment →
// connect the committed way through the guarded transport → check the live TLS socket before any
// post-TLS byte → ID (carrying latch/security-tags) → tripwire → LOGIN → learn from the ID response.
// All of it runs under one hard deadline (issue #13 item 1): imapflow's own timers only bound the TCP
// connect and the greeting, so a server silent or trickling after the greeting held connect() for its
// 300 s socket timeout. After login imapflow's socket timeout is the idle timeout (`idleTimeoutMs`).
import type { Commitment } from '@mua-sts/core'
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import {
  assertPassed,
  connectDeadline,
  DEFAULT_IDLE_TIMEOUT_MS,
  Guard,
  throwIfAborted,
} from '@mua-sts/transport'
import type { ImapFlowOptions, Logger } from 'imapflow'
import { attachClientEvents } from './client-events.js'
import { assertImapflowInternals, type GuardedImap, GuardedImapFlow } from './guarded-client.js'
import { toImapError } from './imap-errors.js'
import { type ImapConnectOptions, type ParsedImapOptions, parseImapOptions, splitOptions } from './options.js'
import { ImapSession } from './session.js'
import { guardedTransport } from './transport.js'

const PACKAGE = '@mua-sts/imap'
/** Upper bound on the in-band latch-failure exchange (the refusal itself is not delayed longer). */
const IN_BAND_MAX_MS = 5000
/** imapflow's own connect/greeting timers run this much longer than the deadline, so ours names the phase. */
const IMAPFLOW_TIMER_SLACK_MS = 1000

/** Test seam (not exported from index.ts): lets a test tamper with the client before connect(). */
export type ConnectHooks = { readonly beforeConnect?: (client: GuardedImapFlow) => void }

// imapflow logs ALERT text at info level as it parses it; before the guard passed a TLS socket that
// text is the attacker's (spec digest §2a-I), so it is dropped rather than handed to the app's logger.
function withoutPreTlsAlerts(logger: Logger | false, session: ImapSession): Logger | false {
  if (logger === false) return false
  const wrap =
    (fn: ((obj: unknown) => void) | undefined) =>
    (obj: unknown): void => {
      const alert = typeof obj === 'object' && obj !== null && 'alert' in obj
      if (alert && session.passedSocket === undefined) return
      fn?.call(logger, obj)
    }
  return {
    trace: wrap(logger.trace),
    debug: wrap(logger.debug),
    info: wrap(logger.info),
    warn: wrap(logger.warn),
    error: wrap(logger.error),
    fatal: wrap(logger.fatal),
  }
}

function imapflowOptions(o: ParsedImapOptions, c: Commitment, session: ImapSession): ImapFlowOptions {
  const { imapflow } = splitOptions(o)
  const implicit = c.endpoint.transport === 'implicit-tls'
  const backstop = session.deadline.timeoutMs + IMAPFLOW_TIMER_SLACK_MS
  return {
    ...imapflow,
    connectionTimeout: o.connectionTimeout ?? backstop,
    greetingTimeout: o.greetingTimeout ?? backstop,
    socketTimeout: o.idleTimeoutMs ?? o.socketTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
    logger: withoutPreTlsAlerts(o.logger ?? false, session),
    auth: o.auth,
    host: c.endpoint.host,
    port: c.endpoint.port,
    secure: implicit,
    // Explicit either way, never unset: unset means opportunistic STARTTLS (integration notes §1.1).
    doSTARTTLS: !implicit,
    // imapflow's defaults (name, version, vendor, support-url) are switched off: the ID carries
    // exactly the guard's fields (DEEP -04 §7.1 latch / security-tags; name/version unless client:null).
    clientInfo: {
      name: false,
      version: false,
      vendor: false,
      'support-url': false,
      ...session.guard.inBandFor(c).idFields,
    },
    transport: guardedTransport(session),
  }
}

/**
 * Honest blame for a connect that did not complete (issue #13 item 3): the recorded violation; a
 * timeout (ours, or imapflow's own timer) as a stall; a stripping that only shows at the end; a
 * connection error before the check passed; or imapflow's error mapped to a code after it.
 */
function failureOf(session: ImapSession, error: unknown): SdkError {
  if (session.failure !== undefined) return session.failure
  const deadline = session.deadline
  // The app cancelled: its own decision, not evidence about the server, so no report blames anyone.
  if (deadline.aborted && deadline.error !== undefined) return deadline.error
  if (deadline.error !== undefined) return session.timedOut(deadline.error)
  const preTls = session.passedSocket === undefined
  const coded = toImapError(error, !preTls)
  // imapflow's own timer (an app-set greeting/socket timeout shorter than the deadline) fired first.
  if (coded.code === ErrorCode.Timeout) {
    const phase = deadline.phase
    return session.timedOut(
      new SdkError(
        ErrorCode.Timeout,
        `The IMAP server did not answer in time (stalled in ${phase}). Try again later; if it keeps happening, check the server settings.`,
        {
          cause: error,
          details: { phase, timeoutMs: deadline.timeoutMs },
        },
      ),
    )
  }
  if (!preTls) return coded
  if (session.commitment.endpoint.transport === 'starttls') {
    // Stripping that only shows at the end (e.g. a failed CAPABILITY): classify it now, still before
    // connect() rejects, so the report precedes the error.
    const late = session.scanner.finish()
    if (late.length > 0 || session.scanner.anomalies.length > 0) {
      session.refusePreTls(session.scanner.anomalies)
      if (session.failure !== undefined) return session.failure
    }
  }
  // Malformed or over-long pre-TLS data is a protocol problem, not a connection error.
  if (coded.code !== ErrorCode.Connection) return coded
  return session.connectionFailed(error)
}

/** connectImap with test hooks; see {@link connectImap}. */
export async function openGuardedImap(input: unknown, hooks?: ConnectHooks): Promise<GuardedImap> {
  assertImapflowInternals()
  const o = parseImapOptions(input)
  throwIfAborted(o.signal, 'IMAP')
  const guard = new Guard(splitOptions(o).guard, 'imap', PACKAGE)
  const commitment = await guard.commitment()
  // Throws MUASTS_ERR_ABORTED if the signal fired during the store read: still no socket.
  const deadline = connectDeadline(o.timeoutMs, { what: 'IMAP', signal: o.signal })
  const inBandMs = Math.min(deadline.timeoutMs, IN_BAND_MAX_MS)
  const session = new ImapSession(guard, commitment, inBandMs, deadline)
  const client = new GuardedImapFlow(imapflowOptions(o, commitment, session), commitment, () =>
    deadline.enter('login'),
  )
  // From here on the SDK's 'error' listener stays for the client's whole life (issue #13 item 5).
  const events = attachClientEvents(client, session, { onAlert: o.onAlert, onError: o.onError })
  deadline.onExpire(() => client.close())
  hooks?.beforeConnect?.(client)
  try {
    try {
      await deadline.race(client.connect())
      if (session.failure !== undefined) throw session.failure
      // Post-condition: the session runs on exactly the socket the guard passed.
      assertPassed(client.currentSocket() as object | undefined, 'connectImap()')
      if (session.record !== undefined) client.setSecurity(session.record)
    } catch (error) {
      client.close()
      throw failureOf(session, error)
    }
    try {
      // A latch the store could not persist would silently not protect the next connection: fail.
      client.setCommitment(
        await deadline.race(session.learn(client.serverInfo, [...client.capabilities.keys()])),
      )
      if (events.held !== undefined) throw events.held
    } catch (error) {
      client.close()
      throw isSdkError(error) ? error : toImapError(error, true)
    }
  } finally {
    deadline.clear()
  }
  events.connected()
  return client
}

/**
 * Opens an IMAP session for `options.account` that is checked against the stored commitment before
 * any ID, LOGIN or AUTHENTICATE byte is sent, and returns the authenticated imapflow client.
 *
 * Does I/O: reads (and, when the server's post-TLS ID response teaches something new, writes) the
 * commitment store; connects to the committed endpoint. On refusal the report is dispatched to
 * `options.reports` synchronously before the promise rejects. `timeoutMs` (default 30 s) bounds
 * everything from TCP connect to the end of login; after that `idleTimeoutMs` (default 300 s) applies.
 * The returned client never emits an unhandled 'error': errors go to `onError` and the next command.
 * Aborting `options.signal` before connectImap settles destroys the socket at once, in any phase.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` (bad or SDK-owned option), `MUASTS_ERR_NO_COMMITMENT`,
 *   store errors (`MUASTS_ERR_STORE_*`, reported), `MUASTS_ERR_COMMITMENT_VIOLATED`
 *   (`CommitmentViolationError` with `.report`), `MUASTS_ERR_GUARD_BYPASSED` (tripwire),
 *   `MUASTS_ERR_PROTOCOL`, `MUASTS_ERR_AUTH_FAILED`, `MUASTS_ERR_TIMEOUT` (`details.phase`; with a
 *   `stalled_before_tls` `.report` when it stalled before TLS), `MUASTS_ERR_CONNECTION` (with a
 *   `connection_error` `.report` when it failed before the check), `MUASTS_ERR_TOO_LARGE`,
 *   `MUASTS_ERR_ABORTED` (`options.signal` fired; `details.phase`, no report), `MUASTS_ERR_INTERNAL`.
 */
export function connectImap(options: ImapConnectOptions): Promise<GuardedImap> {
  return openGuardedImap(options)
}
