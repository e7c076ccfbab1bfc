// MUA-STS -05 §9.3 CLIENT: "CLIENT" 1*( SP key SP value ); name/version are esmtp-values, directive lists
// are DQUOTEd ("tls-version=1.2; tls-cert=pkix"). -05's ABNF lists `latch` and omits `saved`; we accept
// the `saved` the prose and examples use (digest §5.1).
import { ESMTP_VALUE_RE, TLS_CIPHER_RE } from './esmtp-value.js'
import { fail, ok, type ParseResult, PRINTABLE_RE } from './result.js'
import { MAX_SMTP_COMMAND } from './smtp-client-04.js'

export type ClientReport05 = {
  readonly name?: string | undefined
  readonly version?: string | undefined
  /** Directives the client has saved for this server, e.g. "tls-version=1.2; tls-cert=pkix". */
  readonly saved?: string | undefined
  readonly policyFail?: string | undefined
  /** Directives the client supports. */
  readonly directives?: string | undefined
  readonly tls?: string | undefined
}

const DIRECTIVE_LIST_RE = /^[\x21\x23-\x5b\x5d-\x7e ]*$/ // printable, no DQUOTE or backslash

/** Renders the -05 CLIENT line (no CRLF), or undefined when empty. Pure. */
export function renderClient05(r: ClientReport05): string | undefined {
  const params: string[] = []
  if (r.name !== undefined && ESMTP_VALUE_RE.test(r.name)) params.push(`name ${r.name}`)
  if (r.version !== undefined && ESMTP_VALUE_RE.test(r.version)) params.push(`version ${r.version}`)
  const lists: Array<[string, string | undefined]> = [
    ['saved', r.saved],
    ['policy-fail', r.policyFail],
    ['directives', r.directives],
  ]
  for (const [k, v] of lists)
    if (v !== undefined && v !== '' && DIRECTIVE_LIST_RE.test(v)) params.push(`${k} "${v}"`)
  if (r.tls !== undefined && TLS_CIPHER_RE.test(r.tls)) params.push(`tls ${r.tls}`)
  if (params.length === 0) return undefined
  const line = `CLIENT ${params.join(' ')}`
  return line.length <= MAX_SMTP_COMMAND ? line : undefined
}

function tokenize(s: string): string[] | undefined {
  const out: string[] = []
  let i = 0
  while (i < s.length) {
    if (s[i] === ' ') {
      i++
      continue
    }
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1)
      if (end === -1) return undefined
      out.push(s.slice(i, end + 1))
      i = end + 1
    } else {
      let j = i
      while (j < s.length && s[j] !== ' ') j++
      out.push(s.slice(i, j))
      i = j
    }
  }
  return out
}

/** Parses a -05 CLIENT line. Pure; never throws. */
export function parseClient05(
  line: string,
): ParseResult<ClientReport05 & { extensions: Record<string, string> }> {
  if (line.length > MAX_SMTP_COMMAND) return fail('too_long', 'CLIENT line exceeds 512 octets')
  if (!PRINTABLE_RE.test(line)) return fail('invalid_char', 'CLIENT line contains non-printable characters')
  const tokens = tokenize(line)
  if (tokens === undefined) return fail('unbalanced', 'unterminated quoted string')
  const [verb, ...rest] = tokens
  if (verb?.toUpperCase() !== 'CLIENT') return fail('syntax', 'not a CLIENT command')
  if (rest.length === 0 || rest.length % 2 !== 0) return fail('syntax', 'CLIENT needs key/value pairs')
  const out: { -readonly [K in keyof ClientReport05]: ClientReport05[K] } = {}
  const extensions: Record<string, string> = {}
  for (let i = 0; i < rest.length; i += 2) {
    const key = (rest[i] as string).toLowerCase()
    const raw = rest[i + 1] as string
    const quoted = raw.startsWith('"')
    const value = quoted ? raw.slice(1, -1) : raw
    if (key === 'name' || key === 'version' || key === 'tls') {
      if (quoted || !ESMTP_VALUE_RE.test(value)) return fail('syntax', `bad value for ${key}`)
      if (key === 'tls' && !TLS_CIPHER_RE.test(value)) return fail('syntax', 'bad tls-cipher')
      out[key] = value
    } else if (key === 'saved' || key === 'policy-fail' || key === 'directives') {
      if (!quoted) return fail('syntax', `${key} needs a quoted directive list`)
      if (key === 'saved') out.saved = value
      else if (key === 'policy-fail') out.policyFail = value
      else out.directives = value
    } else if (Object.keys(extensions).length < 32) extensions[key] = value
  }
  return ok({ ...out, extensions })
}
