// Server strings that may reach a report, an error message or the app's UI pass through here
// (issue #13 item 2). Everything a server sends before TLS is attacker-controlled, and even a server
// that passed the check may send markup or terminal escapes: what leaves these functions is bounded,
// grammar-checked and free of control bytes and markup. Pure (house style H3).

/**
 * One capability keyword: an IMAP atom (RFC 9051 §9 `capability`), a POP3 CAPA tag (RFC 2449 §6) or an
 * EHLO keyword (RFC 5321 §4.1.1.1), narrowed to the characters real capabilities use. Anything with
 * markup, quotes, slashes, control bytes or non-ASCII letters fails it.
 */
export const CAPABILITY_ATOM_RE = /^[A-Za-z0-9][A-Za-z0-9+=._-]{0,31}$/
/** At most this many pre-TLS capability atoms are kept: enough for a real greeting, too few for prose. */
export const MAX_PRE_TLS_ATOMS = 16

/**
 * The capability atoms a report may keep from server capability lines: the first word of each entry
 * (EHLO and CAPA parameters are dropped), only if it matches {@link CAPABILITY_ATOM_RE}, de-duplicated
 * (case-insensitively), at most `max` of them. Pure; never throws.
 */
export function capabilityAtoms(
  entries: string | readonly string[],
  max: number = MAX_PRE_TLS_ATOMS,
): string[] {
  const list = typeof entries === 'string' ? entries.split(' ') : entries
  const out: string[] = []
  const seen = new Set<string>()
  for (const entry of list) {
    if (out.length >= max) break
    if (typeof entry !== 'string') continue
    const word = entry.trim().split(/[ \t]/, 1)[0] ?? ''
    if (!CAPABILITY_ATOM_RE.test(word)) continue
    const key = word.toUpperCase()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(word)
  }
  return out
}

// C0 and C1 controls, DEL, bidi overrides/isolates, zero-width and line/paragraph separators: none
// belongs in a one-line message, and each can hide or reorder text in a terminal or a UI.
const INVISIBLE_RE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g
// Markup delimiters: an app that renders the text as HTML must not get a tag out of it.
const MARKUP_RE = /[<>]/g

/**
 * Server prose (post-TLS ALERT text, a server's reply text after the check passed) made safe to show
 * or log: control bytes, invisible/bidi characters and `<` `>` are removed, whitespace runs collapse to
 * one space, and the result is cut to `maxLength` characters (with `…`). Pure; never throws.
 */
export function safeText(raw: string, maxLength = 200): string {
  const flat = String(raw)
    .replace(/[\t\r\n]+/g, ' ')
    .replace(INVISIBLE_RE, '')
    .replace(MARKUP_RE, '')
    .replace(/ {2,}/g, ' ')
    .trim()
  const chars = [...flat]
  if (chars.length <= maxLength) return flat
  return `${chars.slice(0, Math.max(0, maxLength - 1)).join('')}…`
}

/** A machine token from a library or server (an OpenSSL or errno code): kept only if it is one. */
export const SAFE_TOKEN_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

/** `raw` if it is a plain token (letters, digits, `_.:-`, ≤ 128), else `fallback`. Pure. */
export function safeToken(raw: unknown, fallback: string): string {
  const s = typeof raw === 'string' ? raw : String(raw ?? '')
  return SAFE_TOKEN_RE.test(s) ? s : fallback
}
