// discover() options, validated eagerly (house style H15): a typo or a wrong type is a thrown
// MUASTS_ERR_INVALID_OPTION naming the option path, before any packet or request leaves.
import { isIP } from 'node:net'
import { TrustOptionsSchema } from '@mua-sts/transport'
import { z } from 'zod'
import { type DnssecServer, parseDnssecServer } from './dnssec-query.js'
import { DiscoverError, DiscoverErrorCode } from './errors.js'
import type { DiscoveryFetch } from './https-fetch.js'
import type { DiscoveryResolver } from './resolver.js'

type MaybeResolver = { resolveSrv?: unknown; resolveMx?: unknown }
const isObject = (v: unknown): v is MaybeResolver => typeof v === 'object' && v !== null

const ResolverSchema = z.custom<DiscoveryResolver>(
  (v) => isObject(v) && typeof v.resolveSrv === 'function' && typeof v.resolveMx === 'function',
  'expected an object with resolveSrv and resolveMx functions',
)
const FetchSchema = z.custom<DiscoveryFetch>((v) => typeof v === 'function', 'expected a function')

/** 127.0.0.0/8 and ::1. */
export function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.')
  // The WHATWG URL parser canonicalises IPv6 (0:0:0:0:0:0:0:1 → ::1).
  return isIP(host) === 6 && new URL(`http://[${host}]/`).hostname === '[::1]'
}

const DnssecSchema = z
  .strictObject({
    /** `host:port` of a validating resolver, e.g. '127.0.0.1:5354'. */
    server: z.string(),
    /**
     * RFC 4035 §4.9.3: the AD bit is only as good as the path to the resolver. Off by default, so a
     * resolver elsewhere on the network cannot vouch for records an on-path attacker could forge.
     */
    allowNonLoopback: z.boolean().default(false),
  })
  .transform((value, ctx): DnssecServer => {
    const server = parseDnssecServer(value.server)
    if (server === undefined) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'expected host:port with an IP address' })
      return z.NEVER
    }
    if (!value.allowNonLoopback && !isLoopback(server.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: 'not a loopback address (set allowNonLoopback)',
      })
      return z.NEVER
    }
    return server
  })

const SourcesSchema = z.strictObject({
  srv: z.boolean().default(true),
  autoconfig: z.boolean().default(true),
  wellKnown: z.boolean().default(true),
  mx: z.boolean().default(true),
  guess: z.boolean().default(true),
})

export const DiscoverOptionsSchema = z
  .strictObject({
    /** DNS for SRV and MX. Default: node:dns/promises Resolver with `timeoutMs`. */
    resolver: ResolverSchema.optional(),
    /** Validating resolver whose AD bit marks SRV answers `dnssec_validated`. */
    dnssec: DnssecSchema.optional(),
    /** Document fetcher. Default: httpsFetch(trust), the system trust store without `trust`. */
    fetch: FetchSchema.optional(),
    /**
     * The guards' TrustOptions for the default fetcher: `ca` replaces the system roots for autoconfig
     * HTTPS, `lookup` resolves the documents' hosts (SRV and MX still use `resolver`). Not with `fetch`.
     */
    trust: TrustOptionsSchema.optional(),
    /** Cancels the whole discovery; discover() then rejects with MUASTS_ERR_ABORTED. */
    signal: z.instanceof(AbortSignal).optional(),
    /** Deadline for each source (each DNS query, each document). Default 5000. */
    timeoutMs: z.int().min(1).max(120_000).default(5000),
    /** Append `?emailaddress=` for the mail domain's own HTTPS autoconfig URLs. Default false. */
    sendAddress: z.boolean().default(false),
    /** Also try plain HTTP when HTTPS gave nothing; results need confirmation. Default false. */
    allowHttp: z.boolean().default(false),
    /** ISPDB-style template with `{domain}`, e.g. 'https://autoconfig.thunderbird.net/v1.1/{domain}'. Off by default. */
    ispdbUrl: z.string().optional(),
    /** Switch individual sources off. All on by default (ISPDB only when ispdbUrl is set). */
    sources: SourcesSchema.default(SourcesSchema.parse({})),
  })
  .superRefine((value, ctx) => {
    if (value.trust !== undefined && value.fetch !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['trust'],
        message: 'applies to the default fetch only; not with fetch',
      })
    if (value.ispdbUrl === undefined) return
    let url: URL
    try {
      url = new URL(value.ispdbUrl.replaceAll('{domain}', 'example.com'))
    } catch {
      ctx.addIssue({ code: 'custom', path: ['ispdbUrl'], message: 'not a URL' })
      return
    }
    if (!value.ispdbUrl.includes('{domain}')) {
      ctx.addIssue({ code: 'custom', path: ['ispdbUrl'], message: 'must contain {domain}' })
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && value.allowHttp)) {
      ctx.addIssue({ code: 'custom', path: ['ispdbUrl'], message: 'must be https: (http: needs allowHttp)' })
    }
  })

export type DiscoverOptions = z.input<typeof DiscoverOptionsSchema>
export type ParsedDiscoverOptions = z.output<typeof DiscoverOptionsSchema>

/** Validates options. Does no I/O. Throws MUASTS_ERR_INVALID_OPTION naming the first bad path. */
export function parseDiscoverOptions(input: unknown): ParsedDiscoverOptions {
  const result = DiscoverOptionsSchema.safeParse(input ?? {})
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
  throw new DiscoverError(
    DiscoverErrorCode.InvalidOption,
    `discover options${path}: ${issue?.message ?? 'invalid'}`,
    {
      cause: result.error,
    },
  )
}
