// RFC 2971 IMAP ID parameter lists, carrying DEEP -04 §7.1 fields (`deep`/`deep-status` from the server;
// `latch`, `latch-fail`, `security-tags`, `tls` from the client) and -05's `sts`/`sts-policy`.
// RFC 2971 §3.3 limits: at most 30 pairs, field names ≤ 30 octets, values ≤ 1024 octets.
import { fail, ok, type ParseResult } from './result.js'

export const ID_MAX_PAIRS = 30
export const ID_MAX_FIELD = 30
export const ID_MAX_VALUE = 1024
const MAX_ID_INPUT = 64 * 1024

export type IdFields = Readonly<Record<string, string | null>>

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * Keeps only pairs that fit RFC 2971 (and contain no CR/LF/NUL, which an IMAP quoted string cannot
 * carry), in insertion order, at most 30. Pure.
 */
export function limitIdFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  let n = 0
  for (const [k, v] of Object.entries(fields)) {
    if (n >= ID_MAX_PAIRS) break
    if (k.length === 0 || k.length > ID_MAX_FIELD || v.length > ID_MAX_VALUE) continue
    if (/[\r\n\0"\\]/.test(k) || /[\r\n\0]/.test(v)) continue
    out[k] = v
    n++
  }
  return out
}

/** Renders `("k" "v" …)` or `NIL`. Pure. */
export function renderIdParams(fields: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(limitIdFields(fields))
  if (pairs.length === 0) return 'NIL'
  return `(${pairs.map(([k, v]) => `${quote(k)} ${quote(v)}`).join(' ')})`
}

type Cursor = { s: string; i: number }

function skipSp(c: Cursor): void {
  while (c.s[c.i] === ' ') c.i++
}

function readNString(c: Cursor): ParseResult<string | null> {
  if (c.s.startsWith('NIL', c.i) || c.s.startsWith('nil', c.i)) {
    c.i += 3
    return ok(null)
  }
  if (c.s[c.i] === '{') return fail('unsupported', 'IMAP literals are not accepted in ID parameters')
  if (c.s[c.i] !== '"') return fail('syntax', 'expected a quoted string or NIL')
  let out = ''
  for (c.i++; c.i < c.s.length; c.i++) {
    const ch = c.s[c.i] as string
    if (ch === '"') {
      c.i++
      return ok(out)
    }
    if (ch === '\\') {
      const next = c.s[c.i + 1]
      if (next !== '"' && next !== '\\') return fail('syntax', 'bad escape in quoted string')
      out += next
      c.i++
    } else if (ch === '\r' || ch === '\n' || ch === '\0') {
      return fail('invalid_char', 'CR, LF or NUL inside a quoted string')
    } else out += ch
    if (out.length > ID_MAX_VALUE) return fail('too_long', `value longer than ${ID_MAX_VALUE} octets`)
  }
  return fail('unbalanced', 'unterminated quoted string')
}

/**
 * Parses an ID parameter list (`NIL` or `("k" "v" …)`) as sent by `ID` or returned in `* ID`.
 * Field names are lower-cased (RFC 2971 fields are case-insensitive). Pure; never throws.
 */
export function parseIdParams(input: string): ParseResult<IdFields> {
  if (input.length > MAX_ID_INPUT) return fail('too_long', 'ID parameter list too long')
  const c: Cursor = { s: input.trim(), i: 0 }
  if (c.s.toUpperCase() === 'NIL') return ok({})
  if (c.s[0] !== '(') return fail('syntax', 'expected "(" or NIL')
  c.i = 1
  const out: Record<string, string | null> = {}
  let pairs = 0
  for (;;) {
    skipSp(c)
    if (c.s[c.i] === ')') {
      c.i++
      skipSp(c)
      return c.i === c.s.length ? ok(out) : fail('syntax', 'trailing data after ")"')
    }
    if (c.i >= c.s.length) return fail('unbalanced', 'missing ")"')
    const key = readNString(c)
    if (!key.ok) return key
    if (key.value === null || key.value.length > ID_MAX_FIELD) return fail('syntax', 'bad field name')
    skipSp(c)
    const value = readNString(c)
    if (!value.ok) return value
    if (++pairs > ID_MAX_PAIRS) return fail('too_many', `more than ${ID_MAX_PAIRS} ID pairs`)
    out[key.value.toLowerCase()] = value.value
  }
}

/** The server's DEEP status from ID fields: `deep`, or `deep-status` as in -04's examples (digest §7.4). */
export function deepStatusFromId(fields: IdFields): string | undefined {
  return fields['deep'] ?? fields['deep-status'] ?? undefined
}

/** The server's -05 STS policy from ID fields: `sts`, or `sts-policy` as in -05's examples. */
export function stsPolicyFromId(fields: IdFields): string | undefined {
  return fields['sts'] ?? fields['sts-policy'] ?? undefined
}
