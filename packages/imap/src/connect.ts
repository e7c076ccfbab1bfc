// connectImap(): the guarded way to open an imapflow session (house style H17). Load the commitment →
// connect the committed way through the guarded transport → check the live TLS socket before any
// post-TLS byte → ID (carrying latch/security-tags) → tripwire → LOGIN → learn from the ID response.
import type { Commitment, SdkError } from '@mua-sts/core'
import { assertPassed, Guard } from '@mua-sts/transport'
import type { ImapFlowOptions, Logger } from 'imapflow'
import { assertImapflowInternals, type GuardedImap, GuardedImapFlow } from './guarded-client.js'
import { toImapError } from './imap-errors.js'
import { type ImapConnectOptions, type ParsedImapOptions, parseImapOptions, splitOptions } from './options.js'
import { ImapSession } from './session.js'
import { guardedTransport } from './transport.js'

const PACKAGE = '@mua-sts/imap'
/** Upper bound on the in-band latch-failure exchange (the refusal itself is not delayed longer). */
const IN_BAND_MAX_MS = 5000

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
  const timeout = o.timeoutMs
  return {
    ...imapflow,
    ...(timeout === undefined ? {} : { connectionTimeout: o.connectionTimeout ?? timeout }),
    ...(timeout === undefined ? {} : { greetingTimeout: o.greetingTimeout ?? timeout }),
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

function failureOf(session: ImapSession, error: unknown): SdkError {
  const preTls = session.passedSocket === undefined
  if (session.failure === undefined && preTls && session.commitment.endpoint.transport === 'starttls') {
    // Stripping that only shows at the end (e.g. a failed CAPABILITY): classify it now, still before
    // connect() rejects, so the report precedes the error.
    if (session.scanner.finish().length > 0) session.refusePreTls(session.scanner.anomalies)
  }
  return session.failure ?? toImapError(error, !preTls)
}

/** connectImap with test hooks; see {@link connectImap}. */
export async function openGuardedImap(input: unknown, hooks?: ConnectHooks): Promise<GuardedImap> {
  assertImapflowInternals()
  const o = parseImapOptions(input)
  const guard = new Guard(splitOptions(o).guard, 'imap', PACKAGE)
  const commitment = await guard.commitment()
  const inBandMs = Math.min(o.timeoutMs ?? IN_BAND_MAX_MS, IN_BAND_MAX_MS)
  const session = new ImapSession(guard, commitment, inBandMs)
  const client = new GuardedImapFlow(imapflowOptions(o, commitment, session), commitment)
  hooks?.beforeConnect?.(client)
  // Until the app holds the client it cannot listen for 'error'; an error emitted in that window
  // (e.g. while learning awaits the store) would be thrown as unhandled. Hold it and fail instead.
  let late: unknown
  const hold = (error: unknown): void => {
    late ??= error
  }
  client.on('error', hold)
  try {
    await client.connect()
    if (session.failure !== undefined) throw session.failure
    // Post-condition: the session runs on exactly the socket the guard passed.
    assertPassed(client.currentSocket() as object | undefined, 'connectImap()')
  } catch (error) {
    client.close()
    throw failureOf(session, error)
  }
  try {
    // A latch the store could not persist would silently not protect the next connection: fail.
    client.setCommitment(await session.learn(client.serverInfo, [...client.capabilities.keys()]))
    if (late !== undefined) throw toImapError(late, true)
  } catch (error) {
    client.close()
    throw error
  } finally {
    client.off('error', hold)
  }
  return client
}

/**
 * Opens an IMAP session for `options.account` that is checked against the stored commitment before
 * any ID, LOGIN or AUTHENTICATE byte is sent, and returns the authenticated imapflow client.
 *
 * Does I/O: reads (and, when the server's post-TLS ID response teaches something new, writes) the
 * commitment store; connects to the committed endpoint. On refusal the report is dispatched to
 * `options.reports` synchronously before the promise rejects.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` (bad or SDK-owned option), `MUASTS_ERR_NO_COMMITMENT`,
 *   store errors (`MUASTS_ERR_STORE_*`, reported), `MUASTS_ERR_COMMITMENT_VIOLATED`
 *   (`CommitmentViolationError` with `.report`), `MUASTS_ERR_GUARD_BYPASSED` (tripwire),
 *   `MUASTS_ERR_PROTOCOL`, `MUASTS_ERR_AUTH_FAILED`, `MUASTS_ERR_TIMEOUT`, `MUASTS_ERR_CONNECTION`,
 *   `MUASTS_ERR_TOO_LARGE`, `MUASTS_ERR_INTERNAL`.
 */
export function connectImap(options: ImapConnectOptions): Promise<GuardedImap> {
  return openGuardedImap(options)
}
