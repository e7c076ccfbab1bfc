// The DNS dependency of discovery, as a two-method interface so tests (and apps with their own DNS
// stack) can inject it. The default is node:dns/promises with a per-try timeout.
import { Resolver } from 'node:dns/promises'

/** Same shape as node:dns `resolveSrv` results; an empty `name` is the RFC 2782 "." target. */
export type SrvRecord = { name: string; port: number; priority: number; weight: number }
/** Same shape as node:dns `resolveMx` results. */
export type MxRecord = { exchange: string; priority: number }

/**
 * Injectable resolver. Implementations reject with node:dns error codes: `ENOTFOUND` for NXDOMAIN,
 * `ENODATA` for NODATA, `ESERVFAIL`, `ETIMEOUT`, …; other rejections count as `dns_error`.
 */
export interface DiscoveryResolver {
  resolveSrv(name: string): Promise<SrvRecord[]>
  resolveMx(name: string): Promise<MxRecord[]>
}

/** The system resolver (c-ares, /etc/resolv.conf). Does I/O when called. No DNSSEC status. */
export function systemResolver(timeoutMs: number): DiscoveryResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 })
  return {
    resolveSrv: (name) => resolver.resolveSrv(name),
    resolveMx: (name) => resolver.resolveMx(name),
  }
}
