// DEEP -04 §7.3 SMTP CLIENT command: "CLIENT" 1*( SP param ), params key=value, tag lists comma-separated.
// The server answers 250 (valid syntax) or 501; the parser below is what a server (or our tests) applies.
import { SECURITY_TAG_RE } from '../model/tags.js'
import { ESMTP_VALUE_RE, TLS_CIPHER_RE } from './esmtp-value.js'
import { fail, ok, type ParseResult, PRINTABLE_RE } from './result.js'

/** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF. */
export const MAX_SMTP_COMMAND = 510

export type ClientReport = {
  readonly name?: string | undefined
  readonly version?: string | undefined
  readonly latch?: readonly string[] | undefined
  readonly latchFail?: readonly string[] | undefined
  readonly securityTags?: readonly string[] | undefined
  readonly tls?: string | undefined
}
export type ParsedClient04 = ClientReport & { readonly extensions: Readonly<Record<string, string>> }

function tagList(v: readonly string[] | undefined): string | undefined {
  const tags = (v ?? []).filter((t) => SECURITY_TAG_RE.test(t))
  return tags.length === 0 ? undefined : tags.join(',')
}

/**
 * Renders the -04 CLIENT line without CRLF, or undefined when there is nothing to say. Pure. Name and
 * version must already be sanitised (sanitizeEsmtpValue); invalid ones are dropped, never sent.
 */
export function renderClient04(r: ClientReport): string | undefined {
  const params: string[] = []
  if (r.name !== undefined && ESMTP_VALUE_RE.test(r.name)) params.push(`name=${r.name}`)
  if (r.version !== undefined && ESMTP_VALUE_RE.test(r.version)) params.push(`version=${r.version}`)
  const lists: Array<[string, readonly string[] | undefined]> = [
    ['latch', r.latch],
    ['latch-fail', r.latchFail],
    ['security-tags', r.securityTags],
  ]
  for (const [k, v] of lists) {
    const s = tagList(v)
    if (s !== undefined) params.push(`${k}=${s}`)
  }
  if (r.tls !== undefined && TLS_CIPHER_RE.test(r.tls)) params.push(`tls=${r.tls}`)
  if (params.length === 0) return undefined
  const line = `CLIENT ${params.join(' ')}`
  return line.length <= MAX_SMTP_COMMAND ? line : undefined
}

function parseTags(v: string): string[] | undefined {
  const tags = v.split(',')
  return tags.every((t) => SECURITY_TAG_RE.test(t)) ? tags.map((t) => t.toLowerCase()) : undefined
}

/** Parses a -04 CLIENT line (no CRLF). Keys are matched case-insensitively. Pure; never throws. */
export function parseClient04(line: string): ParseResult<ParsedClient04> {
  if (line.length > MAX_SMTP_COMMAND) return fail('too_long', 'CLIENT line exceeds 512 octets')
  if (!PRINTABLE_RE.test(line)) return fail('invalid_char', 'CLIENT line contains non-printable characters')
  const [verb, ...params] = line.split(' ')
  if (verb?.toUpperCase() !== 'CLIENT') return fail('syntax', 'not a CLIENT command')
  if (params.length === 0) return fail('syntax', 'CLIENT needs at least one parameter')
  const out: { -readonly [K in keyof ClientReport]: ClientReport[K] } = {}
  const extensions: Record<string, string> = {}
  for (const p of params) {
    const eq = p.indexOf('=')
    if (eq <= 0 || eq === p.length - 1) return fail('syntax', 'parameter must be key=value')
    const key = p.slice(0, eq).toLowerCase()
    const value = p.slice(eq + 1)
    if (!ESMTP_VALUE_RE.test(value)) return fail('syntax', `bad value for ${key}`)
    if (key === 'name') out.name = value
    else if (key === 'version') out.version = value
    else if (key === 'tls') {
      if (!TLS_CIPHER_RE.test(value)) return fail('syntax', 'bad tls-cipher')
      out.tls = value
    } else if (key === 'latch' || key === 'latch-fail' || key === 'security-tags') {
      const tags = parseTags(value)
      if (tags === undefined) return fail('syntax', `bad security-tag list in ${key}`)
      if (key === 'latch') out.latch = tags
      else if (key === 'latch-fail') out.latchFail = tags
      else out.securityTags = tags
    } else if (Object.keys(extensions).length < 32) extensions[key] = value
  }
  return ok({ ...out, extensions })
}
