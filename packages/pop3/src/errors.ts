// Error vocabulary of @mua-sts/pop3. Codes are stable API: match on `err.code`, not on messages.
// Every code is one of core's ErrorCode values (house style H11: one table for the whole SDK), and
// Pop3Error is an SdkError, so `isSdkError(err, code)` works on everything this package throws.
// Server text is untrusted input: whatever of it reaches a message goes through sanitizeServerText.
import { type ConnectPhase, ErrorCode, type Evidence, isSdkError, SdkError } from '@mua-sts/core'
import { type ConnectDeadline, evidenceOf } from '@mua-sts/transport'
import type { StatusLine } from './framing.js'

export const Pop3ErrorCode = {
  /** The server broke the protocol: bad status line, over-long line, unsolicited data, bad listing. */
  Protocol: 'MUASTS_ERR_POP3_PROTOCOL',
  /** A step (connect, greeting, handshake, command, gate) did not finish in time. */
  Timeout: 'MUASTS_ERR_POP3_TIMEOUT',
  /** The server answered a command other than a login with `-ERR` (after TLS; the text is sanitized). */
  CommandFailed: 'MUASTS_ERR_POP3_COMMAND_FAILED',
  /** A multi-line response exceeded its configured size limit. */
  TooLarge: 'MUASTS_ERR_POP3_TOO_LARGE',
  /** The connection is closed, could not be opened, or was torn down by an earlier error. */
  Closed: 'MUASTS_ERR_POP3_CLOSED',
  /** TLS could not be established: STLS missing or refused, bytes injected after STLS, handshake failed. */
  TlsUnavailable: 'MUASTS_ERR_POP3_TLS_UNAVAILABLE',
  /**
   * Tripwire: a credential command was attempted on a socket that the gate (or, for connectPop3, the
   * guard) never passed. The same code and mechanism as every other guarded client of the SDK.
   */
  GuardBypassed: 'MUASTS_ERR_GUARD_BYPASSED',
  /** Caller input (connect options, credentials, message numbers) failed validation. */
  InvalidOption: 'MUASTS_ERR_INVALID_OPTION',
  /**
   * The server rejected the credentials: `-ERR` to USER, PASS or the end of an AUTH exchange. The same
   * code as IMAP and SMTP. A `-ERR` that names a temporary cause (RFC 2449 §8 `[IN-USE]`,
   * `[LOGIN-DELAY]`, RFC 3206 `[SYS/…]`) is COMMAND_FAILED instead: the credentials may be right.
   */
  AuthFailed: 'MUASTS_ERR_AUTH_FAILED',
} as const satisfies Record<string, ErrorCode>
export type Pop3ErrorCode = (typeof Pop3ErrorCode)[keyof typeof Pop3ErrorCode]

/** POP3 commands (and pseudo-steps) an error can be attributed to. Never carries arguments. */
export type Pop3Step =
  | 'connect'
  | 'greeting'
  | 'CAPA'
  | 'STLS'
  | 'handshake'
  | 'gate'
  | 'USER'
  | 'PASS'
  | 'AUTH PLAIN'
  | 'AUTH XOAUTH2'
  | 'STAT'
  | 'LIST'
  | 'UIDL'
  | 'RETR'
  | 'TOP'
  | 'DELE'
  | 'RSET'
  | 'NOOP'
  | 'QUIT'

/** Why the connection failed before TLS was established (snake_case, like core violation codes). */
export type Pop3PreTlsAnomalyCode =
  /** The pre-TLS CAPA did not list STLS (RFC 2595 §4): a stripping attack or a server without STLS. */
  | 'starttls_not_offered'
  /** The server answered STLS with -ERR. */
  | 'starttls_refused'
  /** Bytes followed the STLS +OK before the handshake: response injection (CERT VU#555316 class). */
  | 'bytes_after_starttls'
  /** The TLS handshake failed: untrusted certificate, wrong name, protocol version, reset. */
  | 'tls_handshake_failed'
  /** The cleartext server broke POP3 framing (bad status line, over-long line, negative greeting). */
  | 'protocol_error'
  /**
   * The cleartext server sent data no command asked for (a reply before its command was sent, bytes
   * after a complete reply), or more than the pre-TLS caps allow: an injection, refused at once.
   */
  | 'untagged_before_tls'
  /** A pre-TLS step (connect, greeting, CAPA, STLS, handshake) timed out. */
  | 'timeout'
  /** The server closed the cleartext connection before TLS was up. */
  | 'connection_closed'
  /** The TCP connection could not be opened at all (no server reached; not a security event). */
  | 'connection_failed'

/**
 * What went wrong before TLS was up, as data for the caller's policy observation. RFC 8314 §5.2 /
 * DEEP -04 §3.1: a failed or stripped TLS upgrade ends the session; the caller decides what to record.
 * Everything in here that came from the server is attacker-controlled (no TLS yet): keep it for
 * reports, never show it to the user as trusted text.
 */
export type Pop3PreTlsAnomaly = {
  readonly code: Pop3PreTlsAnomalyCode
  readonly transport: 'implicit-tls' | 'starttls'
  /** The step that failed. */
  readonly step: 'connect' | 'greeting' | 'CAPA' | 'STLS' | 'handshake'
  /** Raw pre-TLS CAPA lines (sanitized to printable ASCII); empty for implicit TLS or if never read. */
  readonly capsBeforeTls: readonly string[]
  /** Sanitized pre-TLS greeting text after `+OK`; undefined for implicit TLS or if never read. */
  readonly greetingBeforeTls: string | undefined
  /** Node/OpenSSL error code of a failed handshake, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  readonly tlsErrorCode: string | undefined
  /** Octets the server had sent on this connection when it failed (0: it never spoke). */
  readonly serverOctets: number
  /** The offending bytes of an injection as kind + size + SHA-256, never their content. */
  readonly evidence: readonly Evidence[]
}

export type Pop3ErrorDetails = {
  readonly cause?: unknown
  readonly step?: Pop3Step
  /** RFC 2449 §8 extended response code, e.g. `AUTH`, `SYS/TEMP`, `IN-USE` (post-TLS only). */
  readonly responseCode?: string
  /** Sanitized server text (post-TLS only; pre-TLS text is attacker-controlled and never surfaced). */
  readonly serverText?: string
  /** Set when the failure happened before TLS was established; feeds a policy observation. */
  readonly anomaly?: Pop3PreTlsAnomaly
}

const POP3_CODES: ReadonlySet<string> = new Set(Object.values(Pop3ErrorCode))

/**
 * The protocol-level error class of this package. Besides these, the guarded `connectPop3` rejects
 * with core's SdkErrors (`MUASTS_ERR_COMMITMENT_VIOLATED`, `MUASTS_ERR_NO_COMMITMENT`,
 * `MUASTS_ERR_ABORTED`, store errors), and the raw client with whatever the caller's own gate threw.
 */
export class Pop3Error extends SdkError {
  declare readonly code: Pop3ErrorCode
  readonly step: Pop3Step | undefined
  readonly responseCode: string | undefined
  readonly serverText: string | undefined
  readonly anomaly: Pop3PreTlsAnomaly | undefined

  constructor(code: Pop3ErrorCode, message: string, details: Pop3ErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause })
    this.step = details.step
    this.responseCode = details.responseCode
    this.serverText = details.serverText
    this.anomaly = details.anomaly
  }
}

/**
 * True for an SDK error (from any copy of the SDK in the bundle) whose code is one of
 * {@link Pop3ErrorCode}, optionally exactly `code`. Core's `isSdkError` is the general form.
 */
export function isPop3Error(x: unknown, code?: Pop3ErrorCode): x is Pop3Error {
  return isSdkError(x) && POP3_CODES.has(x.code) && (code === undefined || x.code === code)
}

/** Builds the error thrown by every operation attempted after the connection failed or closed. */
export function closedAfter(previous: SdkError | undefined): Pop3Error {
  const why =
    previous === undefined ? 'the connection is closed' : `the connection failed earlier (${previous.code})`
  return new Pop3Error(
    Pop3ErrorCode.Closed,
    `POP3: ${why}`,
    previous === undefined ? {} : { cause: previous },
  )
}

// ─── Server text ────────────────────────────────────────────────────────────────────────────────

/** Longest server text (in UTF-16 code units) that is kept; the rest is replaced by an ellipsis. */
export const SERVER_TEXT_MAX = 200

// C0/C1 controls, DEL, and Unicode format characters that can reorder or hide text (bidi, zero-width).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g

/**
 * Makes server text safe to display: decodes UTF-8 leniently, replaces control and format
 * characters with U+FFFD, trims, and caps the length. Pure; never throws.
 */
export function sanitizeServerText(text: Buffer | string, max = SERVER_TEXT_MAX): string {
  const s = (typeof text === 'string' ? text : text.toString('utf8')).replace(UNSAFE, '\ufffd').trim()
  return s.length <= max ? s : `${s.slice(0, max)}…`
}

/**
 * Replaces every occurrence of each secret in `text` with `[redacted]`. Used on server text that
 * follows a credential command, in case the server echoes what it received. Pure.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('[redacted]')
  }
  return out
}

/**
 * Extracts an RFC 2449 §8 extended response code (`-ERR [SYS/TEMP] ...` → `SYS/TEMP`), or undefined.
 * Only printable ASCII codes of at most 64 octets are accepted. Pure.
 */
export function responseCodeOf(text: Buffer): string | undefined {
  const m = /^\[([\x21-\x2e\x30-\x5c\x5e-\x7e]+(?:\/[\x21-\x2e\x30-\x5c\x5e-\x7e]+)*)\]/.exec(
    text.toString('latin1'),
  )
  const code = m?.[1]
  return code !== undefined && code.length <= 64 ? code : undefined
}

// Redacts before sanitizing, so an echoed secret cannot survive by being cut in two by the cap.
function serverDetails(step: Pop3Step, status: StatusLine, secrets: readonly string[]) {
  const serverText = sanitizeServerText(redactSecrets(status.text.toString('utf8'), secrets))
  const responseCode = responseCodeOf(status.text)
  return { step, serverText, ...(responseCode === undefined ? {} : { responseCode }) }
}

/**
 * Builds the error for a `-ERR` reply received over TLS. The text is sanitized and `secrets` are
 * redacted first. Never call this for a pre-TLS reply: that text is attacker-controlled.
 */
export function commandFailed(
  step: Pop3Step,
  status: StatusLine,
  secrets: readonly string[] = [],
): Pop3Error {
  const details = serverDetails(step, status, secrets)
  const shown = details.serverText.length > 0 ? `: ${details.serverText}` : ''
  return new Pop3Error(Pop3ErrorCode.CommandFailed, `POP3 ${step} failed${shown}`, details)
}

// RFC 2449 §8.1.1 LOGIN-DELAY, §8.1.2 IN-USE and RFC 3206 §4 SYS/TEMP, SYS/PERM: the login was refused
// for a reason other than the credentials (a lock, a rate limit, a server fault).
function notAboutCredentials(responseCode: string | undefined): boolean {
  const rc = responseCode?.toUpperCase() ?? ''
  return rc === 'IN-USE' || rc === 'LOGIN-DELAY' || rc === 'SYS' || rc.startsWith('SYS/')
}

// What follows a refusal, said exactly: no command is sent after it. Not "nothing else was sent": a
// pipelined PASS (RFC 2449 §6.6) has already left with USER, to the same checked server, when USER's
// refusal arrives.
const NO_COMMAND_AFTER = 'the SDK sent no command after the refusal'

/**
 * Builds the error for a `-ERR` that ends a login step (USER, PASS, or an AUTH exchange after the
 * credential was sent): AUTH_FAILED, or COMMAND_FAILED when the response code names another cause.
 * `secrets` are redacted from the sanitized server text. Pure.
 */
export function loginRefused(step: Pop3Step, status: StatusLine, secrets: readonly string[]): Pop3Error {
  const details = serverDetails(step, status, secrets)
  const said = details.serverText.length > 0 ? ` (${details.serverText})` : ''
  if (notAboutCredentials(details.responseCode)) {
    return new Pop3Error(
      Pop3ErrorCode.CommandFailed,
      `The POP3 server refused the login at ${step} for a reason other than the credentials${said}. Try again later; ${NO_COMMAND_AFTER}.`,
      details,
    )
  }
  const what = step === 'AUTH XOAUTH2' ? 'the access token' : 'the user name or password'
  const fix = step === 'AUTH XOAUTH2' ? 'Get a fresh token' : 'Check the credentials'
  return new Pop3Error(
    Pop3ErrorCode.AuthFailed,
    `The POP3 server rejected ${what}${said}. ${fix}; ${NO_COMMAND_AFTER}.`,
    details,
  )
}

// ─── Failures before TLS ────────────────────────────────────────────────────────────────────────

/**
 * The server sent bytes no command asked for: while nothing was pending, or trailing a complete reply.
 * A MUASTS_ERR_POP3_PROTOCOL whose `bytes` (never shown, only hashed as evidence) are the offending data.
 */
export class UnsolicitedData extends Pop3Error {
  readonly bytes: Buffer
  constructor(message: string, bytes: Buffer) {
    super(Pop3ErrorCode.Protocol, message)
    this.bytes = bytes
  }
}

/** What the cleartext phase observed; the connect sequence hands it to the gate or to the anomaly. */
export type PreTlsRecord = {
  step: 'connect' | 'greeting' | 'CAPA' | 'STLS' | 'handshake'
  /** Validated by parseCapaLines, so printable ASCII only. */
  capsBeforeTls: readonly string[]
  /** Greeting text without controls or markup (attacker-controlled: never used for a decision). */
  greetingBeforeTls: string | undefined
}

/** The connect phase (core's names) of each pre-TLS step. */
export const PHASE_OF: Readonly<Record<PreTlsRecord['step'], ConnectPhase>> = {
  connect: 'tcp',
  greeting: 'greeting',
  CAPA: 'capabilities',
  STLS: 'starttls',
  handshake: 'handshake',
}

/** Moves the record and the connect deadline to `step` together. */
export function enterStep(record: PreTlsRecord, deadline: ConnectDeadline, step: PreTlsRecord['step']): void {
  record.step = step
  deadline.enter(PHASE_OF[step])
}

/** A STARTTLS refusal decided by connect.ts; preTlsFailure turns it into an anomaly-carrying Pop3Error. */
export class StlsRefusal extends Error {
  constructor(
    readonly anomaly: Pop3PreTlsAnomalyCode,
    readonly step: Pop3Step,
    message: string,
    readonly evidence: readonly Evidence[] = [],
  ) {
    super(message)
  }
}

// What a peer that hangs up or resets looks like to Node during a TLS handshake.
const HANG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/**
 * Names a failure of the connect sequence before TLS was up: a Pop3Error whose `anomaly` holds what was
 * seen (the Guard turns it into a violation, a stall or a connection error). Errors that are not this
 * package's pass through. Pure.
 */
export function preTlsFailure(
  err: unknown,
  transport: Pop3PreTlsAnomaly['transport'],
  record: PreTlsRecord,
  serverOctets: number,
): unknown {
  const anomaly = (
    code: Pop3PreTlsAnomaly['code'],
    tlsErrorCode?: string,
    evidence: Pop3PreTlsAnomaly['evidence'] = [],
  ): Pop3PreTlsAnomaly => ({
    code,
    transport,
    step: record.step,
    capsBeforeTls: Object.freeze([...record.capsBeforeTls]),
    greetingBeforeTls: record.greetingBeforeTls,
    tlsErrorCode,
    serverOctets,
    evidence: Object.freeze([...evidence]),
  })
  if (err instanceof StlsRefusal) {
    return new Pop3Error(Pop3ErrorCode.TlsUnavailable, err.message, {
      step: err.step,
      anomaly: anomaly(err.anomaly, undefined, err.evidence),
    })
  }
  if (isSdkError(err, ErrorCode.Timeout)) {
    // The connect deadline fired before TLS: kept as the cause, so the guard can name the phase.
    return new Pop3Error(Pop3ErrorCode.Timeout, err.message, {
      cause: err,
      step: record.step,
      anomaly: anomaly('timeout'),
    })
  }
  if (err instanceof UnsolicitedData) {
    // RFC 1939 §3 has one reply per command: bytes nobody asked for before TLS are an injection.
    return new Pop3Error(err.code, err.message, {
      cause: err,
      step: err.step ?? record.step,
      anomaly: anomaly('untagged_before_tls', undefined, [evidenceOf('line', err.bytes)]),
    })
  }
  if (!(err instanceof Pop3Error)) return err
  const details = { cause: err.cause ?? err, step: err.step ?? record.step }
  switch (err.code) {
    case Pop3ErrorCode.TlsUnavailable: {
      const tlsCode = (err.cause as NodeJS.ErrnoException | undefined)?.code
      // A socket-level hang-up or reset is an outage as far as anyone can tell, not a TLS failure (the
      // same rule on all three protocols); TLS-layer errors (ERR_SSL_*, CERT_*, …) are judged.
      if (tlsCode !== undefined && HANG_UP_CODES.has(tlsCode)) {
        return new Pop3Error(Pop3ErrorCode.Closed, err.message, {
          ...details,
          anomaly: anomaly('connection_closed', tlsCode),
        })
      }
      return new Pop3Error(err.code, err.message, {
        ...details,
        anomaly: anomaly('tls_handshake_failed', tlsCode),
      })
    }
    case Pop3ErrorCode.Timeout:
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly('timeout') })
    case Pop3ErrorCode.Closed: {
      const code = record.step === 'connect' ? 'connection_failed' : 'connection_closed'
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly(code) })
    }
    default:
      return new Pop3Error(err.code, err.message, { ...details, anomaly: anomaly('protocol_error') })
  }
}
