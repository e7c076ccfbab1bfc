// Wire parsers return results instead of throwing: hostile server input is an expected outcome.

export type ParseErrorCode =
  | 'too_long'
  | 'invalid_char'
  | 'syntax'
  | 'unbalanced'
  | 'too_many'
  | 'unsupported'
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: ParseErrorCode; readonly message: string } }

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value }
}
export function fail<T>(code: ParseErrorCode, message: string): ParseResult<T> {
  return { ok: false, error: { code, message } }
}

/** Printable US-ASCII plus SP only: anything else (NUL, controls, 8-bit) is refused before parsing. */
export const PRINTABLE_RE = /^[\x20-\x7e]*$/
