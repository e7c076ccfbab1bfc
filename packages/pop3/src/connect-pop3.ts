// connectPop3(): the guarded way to open a POP3 session (house style H17). Load the commitment →
// connect the committed way with the Guard's TLS options → check the handshake before any POP3 byte
// over TLS → post-TLS CAPA → check again (the gate) → tripwire → USER/PASS or AUTH → learn from the
// post-TLS CAPA. Nothing before the gate can send a credential; nothing before TLS is ever learned.
import { toSdkError } from '@mua-sts/core'
import { connectDeadline, DEFAULT_IDLE_TIMEOUT_MS, Guard } from '@mua-sts/transport'
import { authenticate } from './auth.js'
import { establishSession, type Session } from './connect.js'
import { GuardCheckpoints } from './guard-checkpoints.js'
import { type GuardedPop3, GuardedPop3Client } from './guarded-client.js'
import { type ConnectPop3Options, guardOptionsOf, parseConnectPop3Options } from './guarded-options.js'

const PACKAGE = '@mua-sts/pop3'

/**
 * Opens a POP3 session for `options.account` that is checked against the stored commitment before any
 * USER, PASS or AUTH byte is sent, logs in, and returns the authenticated client.
 *
 * Does I/O: reads (and, when the post-TLS CAPA teaches something new, writes) the commitment store;
 * connects to the committed endpoint. On a refusal the report is dispatched to `options.reports`
 * synchronously before the promise rejects, and nothing more is sent to the server (POP3 has no
 * in-band reporting, DEEP -04 §7.2).
 *
 * `options.timeoutMs` is one hard deadline from TCP connect to the end of login (issue #13); after
 * login the session closes itself after `options.idleTimeoutMs` without traffic.
 *
 * Refusals (`MUASTS_ERR_COMMITMENT_VIOLATED`, with a report): STLS not offered or refused, bytes after
 * the STLS reply, unsolicited data before TLS, a failed TLS handshake (certificate, name, version, a
 * server that does not speak TLS), and any violation of the completed handshake (pins, TLS version,
 * cipher). Reported but not a refusal of the server's security: a stall before TLS after the server
 * spoke (`MUASTS_ERR_TIMEOUT`, `stalled_before_tls`), and a refused, reset or silent connection
 * (`MUASTS_ERR_CONNECTION` / `MUASTS_ERR_TIMEOUT`, a `connection_error` report). Not reported (coded
 * Pop3Error): failures after TLS, broken POP3 framing, wrong credentials.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` (bad or SDK-owned option; no I/O), `MUASTS_ERR_NO_COMMITMENT`,
 *   store errors (`MUASTS_ERR_STORE_*`, reported), `MUASTS_ERR_COMMITMENT_VIOLATED`
 *   (`CommitmentViolationError` with `.report`), `MUASTS_ERR_TIMEOUT` / `MUASTS_ERR_CONNECTION`
 *   (`details.phase`; `.report` before TLS), `MUASTS_ERR_GUARD_BYPASSED` (tripwire), Pop3Error
 *   `MUASTS_ERR_POP3_*` (TIMEOUT, CLOSED, PROTOCOL, COMMAND_FAILED for wrong credentials, TOO_LARGE),
 *   `MUASTS_ERR_INTERNAL`.
 */
export async function connectPop3(options: ConnectPop3Options): Promise<GuardedPop3> {
  const o = parseConnectPop3Options(options)
  const guard = new Guard(guardOptionsOf(o), 'pop3', PACKAGE)
  const checkpoints = new GuardCheckpoints(guard, await guard.commitment())
  // One hard deadline from TCP connect to the end of login (issue #13): per-step timers cannot bound a
  // server that trickles bytes, this one destroys every socket it was given when it fires.
  const deadline = connectDeadline(o.timeoutMs, { what: 'POP3' })
  try {
    let session: Session
    try {
      session = await establishSession(checkpoints.config(o), undefined, deadline)
    } catch (error) {
      throw checkpoints.refusalFor(error)
    }
    try {
      deadline.enter('login')
      await deadline.race(authenticate(session, o.auth)) // tripwire inside: the exact socket the Guard passed
      deadline.clear()
      // A latch the store could not persist would silently not protect the next connection: fail.
      const commitment = await checkpoints.learn()
      return new GuardedPop3Client(
        session,
        commitment,
        checkpoints.record,
        o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      )
    } catch (error) {
      session.wire.end() // close_notify + FIN; no QUIT, so nothing of this session is committed
      throw deadline.error ?? toSdkError(error)
    }
  } finally {
    deadline.clear()
  }
}
