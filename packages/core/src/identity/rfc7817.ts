// RFC 7817 §3 / RFC 6125 §6 server identity check, as a pure function so every adapter applies the
// same rule. Reference identities are the host actually dialled (no CNAME chasing) and, optionally,
// the email domain. DNS-ID only; CN-ID is consulted only when no DNS-ID is present (RFC 6125 §6.4.4);
// URI-ID is never used (RFC 7817 §3). Wildcards: only a whole left-most label, matching one label.

export type PresentedIdentities = {
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly commonName?: string | undefined
}
export type IdentityMatch = { readonly match: true; readonly identity: string } | { readonly match: false }

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/

// RFC 6125 §6.4.1: a case-insensitive ASCII comparison, nothing more. No trimming or Unicode folding:
// "localhost\u00a0" in a certificate is not "localhost". One trailing dot is the only equivalence
// (RFC 6125 §6.4.1 treats absolute and relative forms alike).
const PRESENTED_RE =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*$/

function normal(name: string): string {
  // ASCII-only case folding: String#toLowerCase maps U+212A KELVIN SIGN to "k".
  const n = name.replace(/[A-Z]/g, (c) => c.toLowerCase())
  return n.endsWith('.') ? n.slice(0, -1) : n
}

/** True if a presented DNS-ID matches a reference host per RFC 6125 §6.4.3 as restricted by RFC 7817. */
export function dnsIdMatches(presented: string, reference: string): boolean {
  const p = normal(presented)
  const r = normal(reference)
  if (p.length === 0 || r.length === 0 || !PRESENTED_RE.test(p)) return false
  if (!p.includes('*')) return p === r
  // Only "*." followed by at least two labels; no partial-label wildcards such as f*o.example.com.
  if (!p.startsWith('*.') || p.indexOf('*', 1) !== -1) return false
  const suffix = p.slice(2)
  if (!suffix.includes('.')) return false
  const dot = r.indexOf('.')
  return dot > 0 && r.slice(dot + 1) === suffix
}

/** Matches reference identities against what the certificate presents. Pure. */
export function matchServerIdentity(
  references: readonly string[],
  presented: PresentedIdentities,
): IdentityMatch {
  for (const ref of references) {
    const r = normal(ref)
    if (IPV4.test(r) || r.includes(':')) {
      if (presented.ipAddresses.some((ip) => ip.toLowerCase() === r)) return { match: true, identity: r }
      continue
    }
    for (const d of presented.dnsNames) if (dnsIdMatches(d, r)) return { match: true, identity: r }
    if (
      presented.dnsNames.length === 0 &&
      presented.commonName !== undefined &&
      dnsIdMatches(presented.commonName, r)
    ) {
      return { match: true, identity: r }
    }
  }
  return { match: false }
}

/** Splits Node's `subjectaltname` string ("DNS:a, IP Address:1.2.3.4") into DNS and IP identities. */
export function parseSubjectAltName(san: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = []
  const ipAddresses: string[] = []
  for (const part of (san ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4))
    else if (part.startsWith('IP Address:')) ipAddresses.push(part.slice(11))
  }
  return { dnsNames, ipAddresses }
}
