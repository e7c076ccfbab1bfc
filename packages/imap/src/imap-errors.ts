// Normalises what imapflow rejects with into SDK error codes (house style H11 `toSdkError`), with a
// message that says what happened and what to do (issue #16 item 3). Before the guard passed a TLS
// socket, any server text in imapflow's message (a BYE reason, say) came over cleartext and may be the
// attacker's: it is kept only as `cause`, never in the message or details. After the check the server
// is the authenticated one, and its words (RFC 9051 §7.1 response text) are shown only through
// safeText/safeToken: no markup, no control or bidi characters, bounded length.
import { ErrorCode, isSdkError, SdkError, safeText, safeToken } from '@mua-sts/core'

const TOO_LARGE = new Set(['LineTooLarge', 'LiteralTooLarge', 'ResponseTooLarge', 'TooManyTokens'])
/** Longest server text an error message quotes. */
const MAX_SERVER_TEXT = 120

/** The imapflow error fields this module reads; every one is optional and untrusted. */
type ImapflowError = {
  readonly code?: unknown
  readonly authenticationFailed?: unknown
  readonly serverResponseCode?: unknown
  /** The tagged status of a failed command: `NO`, `BAD` or `BYE` (imapflow 2.10.2). */
  readonly responseStatus?: unknown
  /** The server's text after the status and response code. */
  readonly responseText?: unknown
  readonly message?: unknown
}

function fieldsOf(error: unknown): ImapflowError {
  return typeof error === 'object' && error !== null ? (error as ImapflowError) : {}
}

/**
 * The server's answer as `NO [AUTHENTICATIONFAILED] text`, for a session whose server is authenticated:
 * status and response code only if they are plain tokens, the text sanitized and bounded. '' if none.
 */
function serverAnswer(e: ImapflowError): string {
  const status = typeof e.responseStatus === 'string' ? safeToken(e.responseStatus.slice(0, 8), '') : ''
  const rc = typeof e.serverResponseCode === 'string' ? safeToken(e.serverResponseCode.slice(0, 64), '') : ''
  const text = typeof e.responseText === 'string' ? safeText(e.responseText, MAX_SERVER_TEXT) : ''
  return [status, rc === '' ? '' : `[${rc}]`, text].filter((s) => s !== '').join(' ')
}

function codeOf(e: ImapflowError): ErrorCode {
  // imapflow sets authenticationFailed only for a tagged NO/BAD to LOGIN/AUTHENTICATE, never for a
  // connection lost during login (which says nothing about the credentials).
  if (e.authenticationFailed === true) return ErrorCode.AuthFailed
  const code = String(e.code ?? '')
  if (/TIMEOUT/i.test(code)) return ErrorCode.Timeout
  if (TOO_LARGE.has(code)) return ErrorCode.TooLarge
  return ErrorCode.Connection
}

/** One message per code: what happened, then what the user or app can do about it. */
function messageOf(code: ErrorCode, e: ImapflowError, afterTls: boolean, token: string): string {
  const answer = afterTls ? serverAnswer(e) : ''
  const quoted = answer === '' ? '' : ` (${answer})`
  switch (code) {
    case ErrorCode.AuthFailed:
      return `The IMAP server rejected the login${quoted}. Check the username and password (or the access token).`
    case ErrorCode.Timeout:
      return `The IMAP server did not answer in time${token === '' ? '' : ` (${token})`}. Try again later; if it keeps happening, check the server settings.`
    case ErrorCode.TooLarge:
      return `The IMAP server sent a response over the size limit (${token}); the connection was closed. Raise the limit only for a server you trust.`
    default: {
      if (!afterTls) {
        return `The IMAP connection failed before TLS was established${token === '' ? '' : ` (${token})`}; no credentials were sent. Check the network and the server settings, then try again.`
      }
      if (e.responseStatus === 'BYE')
        return `The IMAP server closed the connection${quoted}. Try again later.`
      if (answer !== '')
        return `The IMAP server refused a command while connecting${quoted}; the connection was closed. Try again later.`
      const what = typeof e.message === 'string' ? safeText(e.message, MAX_SERVER_TEXT) : ''
      return `The IMAP connection failed${what === '' ? '' : ` (${what})`}. Check the network and try again.`
    }
  }
}

/**
 * Maps an imapflow connect() rejection to an SdkError. Pure. SdkErrors pass through unchanged.
 * Rejected credentials (a tagged NO/BAD to LOGIN or AUTHENTICATE) are MUASTS_ERR_AUTH_FAILED.
 * @param afterTls whether the guard had passed a TLS socket, i.e. whether server text is trustworthy.
 */
export function toImapError(error: unknown, afterTls: boolean): SdkError {
  if (isSdkError(error)) return error
  const e = fieldsOf(error)
  // imapflow's own code (NoConnection, LiteralTooLarge, ECONNRESET…): a library token, kept only as one.
  const token = typeof e.code === 'string' ? safeToken(e.code.slice(0, 64), '') : ''
  const details: Record<string, unknown> = {}
  if (token !== '') details['imapflowCode'] = token
  const sdkCode = codeOf(e)
  // Server words in details: only a plain response-code token (RFC 9051 §7.1), never markup.
  if (sdkCode === ErrorCode.AuthFailed && typeof e.serverResponseCode === 'string')
    details['serverResponseCode'] = safeToken(e.serverResponseCode.slice(0, 64), 'unrecognised')
  return new SdkError(sdkCode, messageOf(sdkCode, e, afterTls, token), { cause: error, details })
}
