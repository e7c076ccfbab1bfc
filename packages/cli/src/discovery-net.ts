// How `probe` and `setup` reach DNS, HTTPS and the mail servers. With `--resolver <ip[:port]>` every
// lookup the command makes goes to that one resolver: SRV and MX for discovery, its AD bit for DNSSEC
// (RFC 4035 §3.2.3, loopback only, see @mua-sts/setup's dnssec option), TLSA for DANE (`probe`), and
// the A/AAAA lookups of the autoconfig fetches, the probes and the guarded clients. Otherwise a name
// could be discovered through the chosen resolver and then dialled through another one that answers
// differently. Certificates are always checked against the discovered host name, whatever address it
// resolved to. There is no other way to point the CLI at a private zone, and no test-only one either.
import { Resolver } from 'node:dns/promises'
import { readFileSync } from 'node:fs'
import { isIP, type LookupFunction } from 'node:net'
import {
  type DiscoverOptions,
  type DiscoveryResolver,
  type TrustOptions,
  TrustOptionsSchema,
} from '@mua-sts/setup'
import { UsageError } from './exit.js'

export type NetArgs = {
  readonly resolver?: string | undefined
  readonly timeout: number
  readonly ca?: string | undefined
}

export type Net = {
  /** discover() options except `signal`; its autoconfig fetches use `trust`. */
  readonly discover: Omit<DiscoverOptions, 'signal'>
  /**
   * `--ca` anchors (checked when read) and the `--resolver` address lookup, in the SDK's one
   * TrustOptions shape, for discovery's fetches, the probes and the guarded clients alike.
   */
  readonly trust: TrustOptions
}

// A CA bundle larger than this is not a list of trust anchors (TrustOptionsSchema caps the text too).
const MAX_CA_FILE_BYTES = 4_000_000

/** Reads and checks `--ca <file>` (usage error naming the flag and the file); never echoes its content. */
export function readCa(file: string | undefined): string | undefined {
  if (file === undefined) return undefined
  let pem: string
  try {
    const bytes = readFileSync(file)
    if (bytes.length > MAX_CA_FILE_BYTES)
      throw new UsageError(
        `--ca ${file}: larger than ${MAX_CA_FILE_BYTES} bytes; not a list of CA certificates`,
      )
    pem = bytes.toString('utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`--ca ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const checked = TrustOptionsSchema.safeParse({ ca: pem })
  if (!checked.success)
    throw new UsageError(`--ca ${file}: ${checked.error.issues[0]?.message ?? 'not PEM CA certificates'}`)
  return pem
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

/** The network wiring for one command run. Reads and checks `--ca`; no other I/O until used. */
export function networkFor(args: NetArgs): Net {
  const ca = readCa(args.ca)
  const via = args.resolver === undefined ? undefined : resolverFor(args.resolver, args.timeout)
  const trust: TrustOptions = {
    ...(ca === undefined ? {} : { ca }),
    ...(via === undefined ? {} : { lookup: via.lookup }),
  }
  return {
    trust,
    discover: {
      timeoutMs: Math.min(args.timeout, DISCOVER_MAX_TIMEOUT_MS),
      trust,
      ...(via === undefined || args.resolver === undefined
        ? {}
        : { resolver: via.dns, dnssec: { server: args.resolver } }),
    },
  }
}
