// Server text is untrusted input: it may hold terminal escapes, bidi overrides or megabytes of noise.
// Everything that can reach an error message, a report or a UI goes through here first.

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
