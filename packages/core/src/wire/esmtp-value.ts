// RFC 5321 §4.1.2: esmtp-value = 1*(%d33-60 / %d62-126) — printable, no SP, no "=".
// Client name and version are sanitised into this set before they go into CLIENT (DEEP -04 §7.3).

export const ESMTP_VALUE_RE = /^[\x21-\x3c\x3e-\x7e]+$/

/** Replaces every character outside esmtp-value with "_" and caps the length; empty → undefined. */
export function sanitizeEsmtpValue(input: string, max = 64): string | undefined {
  const out = input.replace(/[^\x21-\x3c\x3e-\x7e]/g, '_').slice(0, max)
  return out.length === 0 ? undefined : out
}

/** RFC 8314 §4.3 tls-cipher: an IANA cipher-suite name or 0x + 4 hex digits. */
export const TLS_CIPHER_RE = /^(?:[A-Za-z][A-Za-z0-9_]*|0x[0-9A-Fa-f]{4})$/
