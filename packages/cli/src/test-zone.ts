// TEST ONLY. When MUA_STS_TEST_ZONE names a JSON file, `mua-sts probe` takes its DNS answers, autoconfig
// documents and host addresses from that file instead of the network, so the CLI can be tested end
// to end against servers on 127.0.0.1 while keeping real host names for the certificate checks.
// It is announced on stderr every time it is used, and it can only make lookups fail or point at
// what the file says: TLS validation and every guard check run unchanged.
import { readFileSync } from 'node:fs'
import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'
import type { DiscoveryFetch, DiscoveryResolver, MxRecord, SrvRecord } from '@mua-sts/setup'
import { z } from 'zod'
import { UsageError } from './exit.js'

export const TEST_ZONE_ENV = 'MUA_STS_TEST_ZONE'

const u16 = z.int().min(0).max(65535)
const ZoneFileSchema = z.strictObject({
  dns: z
    .record(
      z.string(),
      z.strictObject({
        SRV: z.array(z.strictObject({ name: z.string(), port: u16, priority: u16, weight: u16 })).optional(),
        MX: z.array(z.strictObject({ exchange: z.string(), priority: u16 })).optional(),
      }),
    )
    .default({}),
  /** URL → document body, answered as validated HTTPS 200; everything else is 404. */
  documents: z.record(z.string(), z.string()).default({}),
  /** Host name → IPv4/IPv6 address; unknown names do not resolve. */
  hosts: z
    .record(
      z.string(),
      z.string().refine((a) => isIP(a) !== 0, 'expected an IP address'),
    )
    .default({}),
})

export type TestZone = {
  readonly file: string
  readonly resolver: DiscoveryResolver
  readonly fetch: DiscoveryFetch
  readonly lookup: LookupFunction
}

const canonical = (name: string): string => name.toLowerCase().replace(/\.$/, '')

function dnsError(code: string, name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code, hostname: name })
}

/** Loads the test zone named by the environment, or returns undefined when none is set. */
export function loadTestZone(env: Readonly<Record<string, string | undefined>>): TestZone | undefined {
  const file = env[TEST_ZONE_ENV]
  if (file === undefined || file === '') return undefined
  let data: z.output<typeof ZoneFileSchema>
  try {
    data = ZoneFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch (error) {
    throw new UsageError(
      `${TEST_ZONE_ENV}=${file}: ${error instanceof Error ? error.message.split('\n')[0] : 'invalid'}`,
    )
  }
  const zone = new Map(Object.entries(data.dns).map(([name, node]) => [canonical(name), node]))
  const answer = <T>(name: string, pick: (n: (typeof data.dns)[string]) => T[] | undefined): Promise<T[]> => {
    const node = zone.get(canonical(name))
    if (node === undefined) return Promise.reject(dnsError('ENOTFOUND', name))
    const records = pick(node)
    return records === undefined || records.length === 0
      ? Promise.reject(dnsError('ENODATA', name))
      : Promise.resolve(records)
  }
  const hosts = new Map(Object.entries(data.hosts).map(([name, ip]) => [canonical(name), ip]))
  const lookup: LookupFunction = (hostname, options, callback) => {
    const ip = hosts.get(canonical(hostname))
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true
    if (ip === undefined) {
      ;(callback as (e: Error) => void)(dnsError('ENOTFOUND', hostname))
      return
    }
    const family = isIP(ip)
    if (all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: ip, family },
      ])
    else (callback as (e: null, a: string, f: number) => void)(null, ip, family)
  }
  return {
    file,
    resolver: {
      resolveSrv: (name) => answer<SrvRecord>(name, (n) => n.SRV),
      resolveMx: (name) => answer<MxRecord>(name, (n) => n.MX),
    },
    fetch: async (url) => {
      const body = data.documents[url]
      return body === undefined
        ? { status: 404, body: '', validatedHttps: true }
        : { status: 200, body, validatedHttps: true }
    },
    lookup,
  }
}
