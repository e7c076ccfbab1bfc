// How `probe` and `setup` reach DNS, HTTPS and the mail servers. With `--resolver <ip[:port]>` every
// lookup goes to that one resolver: SRV and MX for discovery, its AD bit for DNSSEC (RFC 4035 §3.2.3,
// loopback only, see @mua-sts/setup's dnssec option), and also the A/AAAA lookups of the autoconfig
// fetches, the probes and the guarded clients. Otherwise a name could be discovered through the chosen
// resolver and then dialled through another one that answers differently. Certificates are always
// checked against the discovered host name, whatever address it resolved to.
import { Resolver } from 'node:dns/promises'
import { readFileSync } from 'node:fs'
import { isIP, type LookupFunction } from 'node:net'
import { type DiscoverOptions, type DiscoveryResolver, httpsFetch } from '@mua-sts/setup'
import { UsageError } from './exit.js'
import type { CliIo } from './io.js'
import { loadTestZone, TEST_ZONE_ENV } from './test-zone.js'

export type NetArgs = {
  readonly resolver?: string | undefined
  readonly timeout: number
  readonly ca?: string | undefined
}

export type Net = {
  /** discover() options except `signal`. */
  readonly discover: Omit<DiscoverOptions, 'signal'>
  /** PEM trust anchors replacing the system roots (`--ca`), for probes and guarded clients. */
  readonly ca: string | undefined
  /** Address lookups for probes and guarded clients; undefined means the system resolver. */
  readonly lookup: LookupFunction | undefined
}

function readCa(file: string | undefined): string | undefined {
  if (file === undefined) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--ca: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

// discover() caps its per-source deadline lower than a probe's.
const DISCOVER_MAX_TIMEOUT_MS = 120_000

/** The two queries the lookup needs (node:dns/promises Resolver has them). */
export type AddressResolver = {
  resolve4(hostname: string): Promise<string[]>
  resolve6(hostname: string): Promise<string[]>
}

type Address = { address: string; family: 4 | 6 }

/** getaddrinfo-shaped lookup answered by `r` (A first, then AAAA), honouring `family` and `all`. */
export function resolverLookup(r: AddressResolver): LookupFunction {
  const addresses = async (host: string, family: number): Promise<Address[]> => {
    const ip = isIP(host)
    if (ip !== 0) return [{ address: host, family: ip as 4 | 6 }]
    const out: Address[] = []
    const errors: unknown[] = []
    for (const [fam, query] of [
      [4, () => r.resolve4(host)],
      [6, () => r.resolve6(host)],
    ] as const) {
      if (family !== 0 && family !== fam) continue
      try {
        for (const address of await query()) out.push({ address, family: fam })
      } catch (error) {
        errors.push(error)
      }
    }
    if (out.length === 0) {
      const first = errors[0] as NodeJS.ErrnoException | undefined
      throw Object.assign(new Error(`lookup ${host}: ${first?.code ?? 'ENOTFOUND'}`), {
        code: first?.code ?? 'ENOTFOUND',
        hostname: host,
      })
    }
    return out
  }
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const o = (typeof options === 'object' && options !== null ? options : {}) as {
      family?: number | string
      all?: boolean
    }
    const family = o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : Number(o.family ?? 0) || 0
    addresses(hostname, family).then(
      (list) => {
        if (o.all === true) callback(null, list)
        else callback(null, list[0]?.address, list[0]?.family)
      },
      (error: unknown) => callback(error),
    )
  }) as LookupFunction
}

/** One resolver for everything (`--resolver`). */
function resolverFor(server: string, timeoutMs: number): { dns: DiscoveryResolver; lookup: LookupFunction } {
  const r = new Resolver({ timeout: timeoutMs, tries: 2 })
  try {
    r.setServers([server])
  } catch {
    throw new UsageError(`--resolver: expected <ip[:port]>, got ${server}`)
  }
  return {
    dns: { resolveSrv: (name) => r.resolveSrv(name), resolveMx: (name) => r.resolveMx(name) },
    lookup: resolverLookup(r),
  }
}

/** The network wiring for one command run. `command` names it in the TEST ONLY announcement. */
export function networkFor(args: NetArgs, io: CliIo, command: string): Net {
  const ca = readCa(args.ca)
  const zone = loadTestZone(io.env)
  if (zone !== undefined) {
    io.err(
      `mua-sts ${command}: TEST ONLY: ${TEST_ZONE_ENV}=${zone.file} fakes DNS, autoconfig and host lookups`,
    )
    return {
      ca,
      lookup: zone.lookup,
      discover: {
        timeoutMs: Math.min(args.timeout, DISCOVER_MAX_TIMEOUT_MS),
        resolver: zone.resolver,
        fetch: zone.fetch,
        ...(args.resolver === undefined ? {} : { dnssec: { server: args.resolver } }),
      },
    }
  }
  const via = args.resolver === undefined ? undefined : resolverFor(args.resolver, args.timeout)
  const fetchOptions = {
    ...(ca === undefined ? {} : { ca }),
    ...(via === undefined ? {} : { lookup: via.lookup }),
  }
  return {
    ca,
    lookup: via?.lookup,
    discover: {
      timeoutMs: Math.min(args.timeout, DISCOVER_MAX_TIMEOUT_MS),
      fetch: httpsFetch(fetchOptions),
      ...(via === undefined || args.resolver === undefined
        ? {}
        : { resolver: via.dns, dnssec: { server: args.resolver } }),
    },
  }
}
