// Which status URLs a server may teach (DEEP -04 §5.3 status URL, -05 sts-url). The URL is shown on the
// refusal screen, the one moment the user is told "someone may be interfering": a URL chosen by whoever
// passed the checks once would send them to the attacker's explanation (#12). So a learned URL must be
// https, belong to the committed server's registrable domain or to the mail domain, and the first one
// accepted stays (see lattice/merge.ts); another replaces it only through the store's replace ceremony.
import { fail, ok, type ParseResult } from '../wire/result.js'
import type { Commitment } from './commitment.js'
import { canonicalHost, HostSchema } from './primitives.js'
import { isAtOrUnder, isIpv4Literal, registrableDomain } from './registrable-domain.js'

/** Longest status URL accepted (the bound of HttpsUrlSchema). */
export const MAX_STATUS_URL = 2048

/** What a status URL is checked against: the committed host and, when setup knew it, the mail domain. */
export type StatusUrlScope = { readonly host: string; readonly domain?: string | undefined }

/** A status URL in canonical form (lower-case host without trailing dot, no default port). */
export type ParsedStatusUrl = { readonly url: string; readonly host: string; readonly port: number }

// RFC 3986 §3: https "://" authority, then path-abempty [ "?" query ] [ "#" fragment ].
const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([/?#].*)?$/s
const HOST_PORT_RE = /^([A-Za-z0-9.-]+)(?::([1-9][0-9]{0,4}))?$/
// RFC 3986 §2: unreserved / pct-encoded / sub-delims / ":" / "@" / "/" / "?" / "#".
const REST_RE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]*$/
const BAD_PERCENT_RE = /%(?![0-9A-Fa-f]{2})/

/**
 * Parses a status URL strictly. Pure; never throws. Refuses: anything but `https:`, userinfo (the
 * `https://example.com@evil.test/` trick), IPv6 literals (a committed host never is one), non-ASCII
 * (IDNs must arrive as A-labels), characters outside RFC 3986, a bad port, and any URL that a WHATWG
 * parser would read with another host (numeric IPv4 forms such as `https://0x7f.1/`).
 */
export function parseStatusUrl(raw: string): ParseResult<ParsedStatusUrl> {
  if (raw.length > MAX_STATUS_URL) return fail('too_long', `longer than ${MAX_STATUS_URL} characters`)
  const m = URL_RE.exec(raw)
  if (m === null) return fail('syntax', 'expected scheme://authority/path')
  const [, scheme = '', authority = '', rest = '/'] = m
  if (scheme.toLowerCase() !== 'https') return fail('unsupported', 'only https status URLs are accepted')
  if (authority.includes('@')) return fail('unsupported', 'userinfo is not allowed in a status URL')
  if (authority.startsWith('[')) return fail('unsupported', 'IPv6 literals are not accepted')
  if (!REST_RE.test(rest) || BAD_PERCENT_RE.test(rest))
    return fail('invalid_char', 'the path, query or fragment has characters outside RFC 3986')
  const hp = HOST_PORT_RE.exec(authority)
  const port = hp?.[2] === undefined ? 443 : Number(hp[2])
  if (hp === null || port > 65535) return fail('syntax', 'expected host[:port] with a port in 1-65535')
  const host = canonicalHost(hp[1] ?? '')
  if (!HostSchema.safeParse(host).success) return fail('syntax', 'expected an ASCII DNS name or IPv4 literal')
  const path = rest.startsWith('/') ? rest : `/${rest}`
  const url = `https://${host}${port === 443 ? '' : `:${port}`}${path}`
  if (url.length > MAX_STATUS_URL) return fail('too_long', `longer than ${MAX_STATUS_URL} characters`)
  if (!sameForWhatwg(url, host, port)) return fail('unsupported', 'a URL parser would read another host')
  return ok({ url, host, port })
}

// The URL is opened by a browser, so the host it checks must be the host a WHATWG parser sees.
function sameForWhatwg(url: string, host: string, port: number): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  const expectedPort = port === 443 ? '' : String(port)
  return (
    u.protocol === 'https:' &&
    u.hostname === host &&
    u.port === expectedPort &&
    u.username === '' &&
    u.password === ''
  )
}

/**
 * True if `host` (canonical) may serve the status page for `scope`: the committed host itself (also
 * when it is an IP literal); else any name at or under the committed host's registrable domain (public
 * suffix aware: `evil.co.uk` is not under `mail.example.co.uk`'s `example.co.uk`); else at or under the
 * mail domain, unless the mail domain is itself a public suffix. Other IP literals never. Pure.
 */
export function statusUrlHostInScope(host: string, scope: StatusUrlScope): boolean {
  const committed = canonicalHost(scope.host)
  if (host === committed) return true
  if (isIpv4Literal(host)) return false
  const reg = registrableDomain(committed)
  if (reg !== undefined && isAtOrUnder(host, reg)) return true
  if (scope.domain === undefined) return false
  const mail = canonicalHost(scope.domain)
  return registrableDomain(mail) !== undefined && isAtOrUnder(host, mail)
}

/** The canonical form of `raw` if it parses strictly and is in scope, else undefined. Pure. */
export function acceptStatusUrl(raw: string, scope: StatusUrlScope): string | undefined {
  const parsed = parseStatusUrl(raw)
  return parsed.ok && statusUrlHostInScope(parsed.value.host, scope) ? parsed.value.url : undefined
}

/**
 * The commitment's saved status URL, re-checked against its own host and mail domain, else undefined.
 * Pure. Help links on a refusal screen or in a report must use this, never a URL from an observation:
 * a commitment saved before #12 may hold a URL that any authenticated server was able to set.
 */
export function acceptedStatusUrl(c: Commitment): string | undefined {
  if (c.statusUrl === undefined) return undefined
  return acceptStatusUrl(c.statusUrl.url, { host: c.endpoint.host, domain: c.domain })
}
