// Honest blame for a submission connect that did not produce a session (issue #13 item 3). A refusal
// by the guard already carries its report; everything else is sorted here, once, by how far the
// connection got:
//   - the deadline fired before TLS after the server had sent at least one byte → `stalled_before_tls`
//     (a stripping attacker's move once stripping itself is detected; a slow server looks the same);
//   - the deadline fired before the server sent a byte (TCP not up, a silent listener, a ClientHello
//     never answered), or the connection was refused / reset / closed before TLS → a connection error
//     report (an outage is never called an attack). The same rule as IMAP and POP3;
//   - the deadline fired after the handshake but before the check → the handshake is judged once
//     (the same rule as IMAP and POP3, which check the handshake before any post-TLS byte);
//   - anything later keeps its own coded error;
//   - an abort by the app's signal is MUASTS_ERR_ABORTED and reports nothing, in any phase.
import { type Commitment, ErrorCode, isSdkError, type Observation, SdkError } from '@mua-sts/core'
import { type ConnectDeadline, connectDeadline, type Guard } from '@mua-sts/transport'
import type { PreTlsProgress } from './starttls.js'

/** How far one connect got, updated as it runs. */
export type ConnectProgress = PreTlsProgress & {
  /** The TCP socket once connected: `bytesRead` says whether the server ever sent a byte. */
  tcp: { readonly bytesRead: number } | undefined
  /** The TLS handshake completed. */
  tlsUp: boolean
  /** The handshake's observation while it is not judged yet (cleared once the guard ran). */
  handshake: { readonly observation: Observation; readonly socket: object } | undefined
}

export type ConnectAttempt = { readonly deadline: ConnectDeadline; readonly progress: ConnectProgress }

/**
 * Starts the hard deadline of one connect; aborting `signal` ends it like the timer does, with
 * MUASTS_ERR_ABORTED. Starts a timer; no other I/O.
 * @throws SdkError MUASTS_ERR_ABORTED when `signal` is already aborted (before any socket).
 */
export function startAttempt(timeoutMs: number, signal?: AbortSignal): ConnectAttempt {
  return {
    deadline: connectDeadline(timeoutMs, { what: 'SMTP', signal }),
    progress: { capsBeforeTls: [], tcp: undefined, tlsUp: false, handshake: undefined },
  }
}

// What a peer that hangs up or resets looks like to Node, during connect or a TLS handshake.
const HANG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED', 'EHOSTUNREACH'])

/** True when `error` is a closed or reset connection rather than something the peer said. */
export function isHangUp(error: unknown): boolean {
  return HANG_UP_CODES.has(String((error as { code?: unknown } | null | undefined)?.code))
}

function reported(error: unknown): boolean {
  return (
    isSdkError(error, ErrorCode.CommitmentViolated) ||
    (typeof error === 'object' && error !== null && 'report' in error)
  )
}

/** The system error under an SDK wrapper, so the connection report can name ECONNREFUSED & co. */
function systemCause(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | null | undefined)?.cause
  return isSdkError(error) && cause !== undefined && !isSdkError(cause) ? cause : error
}

/**
 * The error openSession rejects with, after dispatching whatever report the failure calls for.
 * Never throws.
 */
export function blame(guard: Guard, c: Commitment, attempt: ConnectAttempt, error: unknown): Error {
  if (reported(error)) return error as Error
  const { deadline, progress } = attempt
  // The app cancelled: its own decision, not evidence about the server, so no report blames anyone.
  if (deadline.aborted && deadline.error !== undefined) return deadline.error
  const timeout = deadline.error
  if (timeout !== undefined) {
    const pending = progress.handshake
    if (pending !== undefined) {
      progress.handshake = undefined
      const r = guard.check(c, pending.observation, pending.socket)
      return r.ok ? timeout : r.error
    }
    if (progress.tlsUp) return timeout
    if ((progress.tcp?.bytesRead ?? 0) > 0) {
      const endpoint = { host: c.endpoint.host, port: c.endpoint.port }
      const facts = {
        service: 'submission' as const,
        endpoint,
        transport: 'plaintext' as const,
        capsBeforeTls: progress.capsBeforeTls,
      }
      return guard.stalledBeforeTls(c, facts, timeout)
    }
    return guard.connectionFailed({ phase: deadline.phase, error: timeout, commitment: c })
  }
  if (!progress.tlsUp && isSdkError(error, ErrorCode.Connection)) {
    return guard.connectionFailed({ phase: deadline.phase, error: systemCause(error), commitment: c })
  }
  return error instanceof Error ? error : new SdkError(ErrorCode.Internal, String(error))
}
