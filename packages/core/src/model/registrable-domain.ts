// Registrable domains ("eTLD+1") from the Public Suffix List, for scoping what a server may teach about
// itself (the status URL). tldts is pure: the list is compiled into the package, no fetch, no file, no
// clock. Private-section suffixes (github.io, herokuapp.com, …) count as public suffixes, so two tenants
// of one hosting suffix never share a registrable domain. A list older than a suffix it lacks errs towards
// a wider domain for hosts under that suffix; the host-equality and mail-domain paths do not depend on it.
import { getDomain } from 'tldts'
import { canonicalHost } from './primitives.js'

const PSL_OPTIONS = {
  allowPrivateDomains: true,
  // The input is a bare host (never a URL), so tldts must not try to find one in it.
  extractHostname: false,
  validateHostname: true,
  detectIp: true,
  mixedInputs: false,
} as const

// Dotted-quad IPv4 only: the one IP form HostSchema admits (RFC 3986 §3.2.2 IPv4address).
const IPV4_RE = /^(?:\d{1,3}\.){3}\d{1,3}$/

/** True for a dotted-quad IPv4 literal. Pure. */
export function isIpv4Literal(host: string): boolean {
  return IPV4_RE.test(host)
}

/**
 * The registrable domain of `host` (the public suffix plus one label), or undefined for an IP literal, a
 * bare public suffix (`co.uk`, `github.io`) or a single label (`localhost`). Pure; never throws.
 */
export function registrableDomain(host: string): string | undefined {
  const h = canonicalHost(host)
  if (h === '' || isIpv4Literal(h)) return undefined
  return getDomain(h, PSL_OPTIONS) ?? undefined
}

/** True if `host` is `domain` or a subdomain of it (label-wise: `badexample.net` is not under `example.net`). */
export function isAtOrUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`)
}
