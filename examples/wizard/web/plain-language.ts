// What the person at the wizard reads. Codes (`MUASTS_ERR_*`) and DEEP tags are for support and
// programs, so the page shows them only behind a "Details" toggle; these sentences are the visible
// part. Kept apart from the SDK's own messages (house style H12), which are written for developers.

/** Why one credential test failed, completing "<service> at <host> …". */
const FAILURE: Readonly<Record<string, string>> = {
  MUASTS_ERR_AUTH_FAILED: 'did not accept the password',
  MUASTS_ERR_COMMITMENT_VIOLATED:
    'no longer passed the security checks when your password was about to be sent, so it was not sent',
  MUASTS_ERR_CONNECTION: 'could not be reached',
  MUASTS_ERR_TIMEOUT: 'did not answer in time',
  MUASTS_ERR_PROTOCOL: 'answered in a way the wizard could not understand',
}

/** A whole step that failed. */
const ERROR: Readonly<Record<string, string>> = {
  MUASTS_ERR_INVALID_OPTION: 'Something you entered was not accepted. Check it and try again.',
  MUASTS_ERR_DISCOVERY: 'The servers for this address could not be looked up. Try again later.',
  MUASTS_ERR_CONFIRMATION_REQUIRED: 'Tick each item that needs your confirmation first.',
  MUASTS_ERR_PROPOSAL_TAMPERED: 'The setup changed after it was checked. Please start again.',
  MUASTS_ERR_COMMITMENT_CONFLICT: 'This account is already set up with other servers. Nothing was changed.',
  MUASTS_ERR_NO_COMMITMENT: 'There was nothing to replace any more. Please start again.',
  MUASTS_ERR_KEYCHAIN_UNAVAILABLE:
    'Your system keychain is locked or unavailable, so nothing could be saved securely.',
  MUASTS_ERR_ABORTED: 'The setup was cancelled. Nothing was saved.',
  MALFORMED_RESPONSE: 'The wizard received an answer it could not read. Nothing was saved.',
}

const STORE_ERROR = 'Your security settings could not be saved or read. Nothing was changed.'
const FALLBACK = 'Something went wrong. Nothing was saved.'

export const SERVICE_NAME: Readonly<Record<string, string>> = {
  imap: 'Incoming mail (IMAP)',
  pop3: 'Incoming mail (POP3)',
  submission: 'Outgoing mail (SMTP)',
}

/** "did not accept the password", for one failed credential test. */
export function failureSentence(code: string): string {
  return FAILURE[code] ?? 'could not be used'
}

/** One sentence for a failed step; `overrides` words a code for this step (e.g. a bad address). */
export function errorSentence(code: string, overrides: Readonly<Record<string, string>> = {}): string {
  return overrides[code] ?? ERROR[code] ?? (code.startsWith('MUASTS_ERR_STORE_') ? STORE_ERROR : FALLBACK)
}

/** The summary line above the failed credential tests. */
export function failuresSummary(codes: readonly string[]): string {
  if (codes.length > 0 && codes.every((c) => c === 'MUASTS_ERR_AUTH_FAILED')) {
    return 'Your password was not accepted. Nothing was saved: check the password and try again.'
  }
  return 'Your password could not be checked on every server. Nothing was saved.'
}

// DEEP -04 latches (draft-ietf-uta-email-deep §5): what the server asked clients to insist on from now on.
const LATCH: Readonly<Record<string, string>> = {
  tls11: 'TLS 1.1 or newer',
  tls12: 'TLS 1.2 or newer',
  'tls-cert': 'a valid certificate',
  'tls-dane-tlsa': 'a certificate matching its DANE record',
}

/** "TLS 1.2 or newer, a valid certificate" for a list of latch tags; unknown tags are named as such. */
export function latchesSentence(latches: readonly string[]): string {
  if (latches.length === 0) return 'nothing beyond the defaults'
  return latches.map((l) => LATCH[l] ?? 'a requirement this wizard does not know by name').join(', ')
}
