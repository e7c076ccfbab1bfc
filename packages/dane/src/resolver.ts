// The validating resolver the app names, and the TLSA owner name to ask it about.
//
// Node cannot validate DNSSEC itself, so the AD bit of a resolver is all we have. RFC 4035 §4.9.3 says a
// stub may only believe AD from a resolver it trusts, over a channel it trusts; like
// Postfix (`smtp_dns_support_level = dnssec`) and Exim (`dns_dnssec_ok`) we trust exactly the resolver
// configured, and only on loopback, where no one on the network path can forge the bit. Pure.
import { isIP } from 'node:net'
import { parseOptions } from '@mua-sts/core'
import * as z from 'zod'

/** `127.0.0.0/8` or `::1`: the only addresses whose AD bit no network attacker can set. */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.split('.')[0] === '127'
  // The WHATWG URL parser writes any spelling of ::1 (0:0:0:0:0:0:0:1, ::0001) the same way.
  if (isIP(address) === 6) return new URL(`http://[${address}]/`).hostname === '[::1]'
  return false
}

const ADDRESS_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/

export type ResolverAddress = { readonly host: string; readonly port: number }

/** Parses `127.0.0.1`, `127.0.0.1:5353` or `[::1]:53`. Undefined when malformed. Pure. */
export function parseResolverAddress(text: string): ResolverAddress | undefined {
  const m = ADDRESS_RE.exec(text)
  if (m === null) return undefined
  const host = m[1] ?? m[2] ?? ''
  const port = m[3] === undefined ? 53 : Number(m[3])
  if (isIP(host) === 0 || port < 1 || port > 65535) return undefined
  return { host, port }
}

export const ValidatingResolverSchema = z.strictObject({
  /** `host:port` of a DNSSEC-validating resolver (Unbound, BIND, systemd-resolved with DNSSEC=yes). */
  address: z
    .string()
    .max(64)
    .default('127.0.0.1:53')
    .refine((a) => parseResolverAddress(a) !== undefined, 'must be an IP address with an optional :port')
    .refine(
      (a) => isLoopback(parseResolverAddress(a)?.host ?? ''),
      'must be a loopback address: the AD bit is only trustworthy from a resolver on this machine (RFC 4035 §4.9.3)',
    ),
  /** Per-query deadline, UDP and TCP retry together. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
})
export type ValidatingResolverOptions = z.input<typeof ValidatingResolverSchema>
export type ValidatingResolver = { readonly address: ResolverAddress; readonly timeoutMs: number }

/** Validates the app's resolver choice. Pure. Throws `MUASTS_ERR_INVALID_OPTION`. */
export function validatingResolver(options: ValidatingResolverOptions = {}): ValidatingResolver {
  const parsed = parseOptions(ValidatingResolverSchema, options, 'DANE resolver')
  return { address: parseResolverAddress(parsed.address) as ResolverAddress, timeoutMs: parsed.timeoutMs }
}

// RFC 1123 §2.1 host names (LDH labels, A-labels for IDNs); DANE needs a name, never an IP literal,
// so an all-numeric last label (RFC 3696 §2: no TLD is) is refused too.
const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

export const TlsaBaseSchema = z.strictObject({
  /**
   * The TLSA base domain: the server host name the client connects to. For an SRV-discovered
   * endpoint this is the SRV target (RFC 7673 §3), never the service domain.
   */
  host: z
    .string()
    .max(253)
    .transform((h) => h.replace(/\.$/, '').toLowerCase())
    .refine(
      (h) =>
        h.split('.').length >= 2 &&
        h.split('.').every((l) => LABEL_RE.test(l)) &&
        !/^\d+$/.test(h.split('.').at(-1) ?? ''),
      {
        message: 'must be a DNS host name (DANE binds names, not IP addresses)',
      },
    ),
  port: z.number().int().min(1).max(65535),
})
export type TlsaBase = z.input<typeof TlsaBaseSchema>

/** `_<port>._tcp.<host>` (RFC 6698 §3). Pure. Throws `MUASTS_ERR_INVALID_OPTION` for a bad host. */
export function tlsaQueryName(base: TlsaBase): string {
  const { host, port } = parseOptions(TlsaBaseSchema, base, 'TLSA base')
  return `_${port}._tcp.${host}`
}
