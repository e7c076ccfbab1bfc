// Normalises what imapflow rejects with into SDK error codes (house style H11 `toSdkError`). Before
// the guard passed a TLS socket, any server text in imapflow's message (a BYE reason, say) came over
// cleartext and may be the attacker's: it is kept only as `cause`, never as the message.
import { ErrorCode, isSdkError, SdkError, safeText, safeToken } from '@mua-sts/core'

const TOO_LARGE = new Set(['LineTooLarge', 'LiteralTooLarge', 'ResponseTooLarge', 'TooManyTokens'])

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null | undefined)?.code ?? '')
}

/**
 * Maps an imapflow connect() rejection to an SdkError. Pure. SdkErrors pass through unchanged.
 * @param afterTls whether the guard had passed a TLS socket, i.e. whether server text is trustworthy.
 */
export function toImapError(error: unknown, afterTls: boolean): SdkError {
  if (isSdkError(error)) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    authenticationFailed?: unknown
    serverResponseCode?: unknown
    message?: unknown
  }
  const code = codeOf(error)
  const details: Record<string, unknown> = {}
  if (code !== '') details['imapflowCode'] = code.slice(0, 64)
  let sdkCode: ErrorCode = ErrorCode.Connection
  if (e.authenticationFailed === true) {
    sdkCode = ErrorCode.AuthFailed
    // Server words: kept only when they are a plain response-code token (RFC 9051 §7.1), never markup.
    if (typeof e.serverResponseCode === 'string')
      details['serverResponseCode'] = safeToken(e.serverResponseCode.slice(0, 64), 'unrecognised')
  } else if (/TIMEOUT/i.test(code)) sdkCode = ErrorCode.Timeout
  else if (TOO_LARGE.has(code)) sdkCode = ErrorCode.TooLarge
  const text = afterTls && typeof e.message === 'string' ? `: ${safeText(e.message, 300)}` : ''
  const where = afterTls ? '' : ' before TLS was established'
  return new SdkError(sdkCode, `IMAP connection failed${where}${text}`, { cause: error, details })
}
