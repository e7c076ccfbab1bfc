// MUA-STS -05 §5–6 policy: directive *( ";" [SP] directive ); directive = name [ "=" value ].
// -05 registers tls-version (1.1|1.2), tls-cert (pkix|dane|any; -06 adds pkix+dane) and sts-url.
// sts-url values are not RFC 7230 tokens (":" and "/"), so values are read up to the next ";" (digest §5.1).
import type { StsPolicy } from '../model/observation.js'
import { TLS_CERT_DIRECTIVES, TLS_VERSION_DIRECTIVES } from '../model/tags.js'
import { fail, ok, type ParseResult, PRINTABLE_RE } from './result.js'

export const MAX_STS_POLICY = 2048
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export type ParsedStsPolicy = StsPolicy & { readonly ignored: readonly string[] }

/** Parses an STS policy. Pure; never throws. Unknown names and unknown values are skipped (-05 §7). */
export function parseStsPolicy(input: string): ParseResult<ParsedStsPolicy> {
  if (input.length > MAX_STS_POLICY) return fail('too_long', `STS policy longer than ${MAX_STS_POLICY}`)
  if (!PRINTABLE_RE.test(input)) return fail('invalid_char', 'STS policy contains non-printable characters')
  const out: { tlsVersion?: StsPolicy['tlsVersion']; tlsCert?: StsPolicy['tlsCert']; stsUrl?: string } = {}
  const ignored: string[] = []
  for (const raw of input.split(';')) {
    const part = raw.trim()
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    let value = eq === -1 ? undefined : part.slice(eq + 1).trim()
    if (value?.startsWith('<') && value.endsWith('>')) value = value.slice(1, -1)
    if (!TOKEN_RE.test(name)) {
      if (ignored.length < 16) ignored.push(part.slice(0, 64))
      continue
    }
    if (name === 'tls-version' && (TLS_VERSION_DIRECTIVES as readonly string[]).includes(value ?? '')) {
      out.tlsVersion = value as StsPolicy['tlsVersion']
    } else if (
      name === 'tls-cert' &&
      (value === undefined || (TLS_CERT_DIRECTIVES as readonly string[]).includes(value))
    ) {
      out.tlsCert = (value ?? 'any') as StsPolicy['tlsCert'] // -05 §6: default value is "any"
    } else if (name === 'sts-url' && value !== undefined && /^https:\/\/[^\s<>"\\]+$/.test(value)) {
      out.stsUrl = value
    } else if (ignored.length < 16) {
      ignored.push(part.slice(0, 64))
    }
  }
  return ok({ ...out, ignored })
}

/**
 * Renders an STS policy with "; " separators, in a fixed order. `tls-cert=any` is written as the bare
 * `tls-cert`: -05 §6 makes "any" the default value, and -05 Example 1 writes it that way.
 */
export function renderStsPolicy(p: StsPolicy): string {
  const parts: string[] = []
  if (p.tlsVersion !== undefined) parts.push(`tls-version=${p.tlsVersion}`)
  if (p.tlsCert !== undefined) parts.push(p.tlsCert === 'any' ? 'tls-cert' : `tls-cert=${p.tlsCert}`)
  if (p.stsUrl !== undefined) parts.push(`sts-url=${p.stsUrl}`)
  return parts.join('; ')
}
