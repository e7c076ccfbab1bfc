// A short-lived cache of the committed host's addresses, per transport. nodemailer caches its DNS
// answers for minutes; without this, every guarded connection would pay a getaddrinfo() that the bare
// library does not. Addresses are never trusted for anything: the TLS identity check uses the
// committed host name, so a stale or spoofed answer can only make the connection fail, never pass.
import { type LookupAddress, type LookupOptions, lookup as systemLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'

type Answer = {
  readonly address: string | LookupAddress[]
  readonly family: number | undefined
  readonly until: number
}

export const DNS_CACHE_TTL_MS = 60_000

type Resolve = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void

export class DnsCache {
  readonly #answers = new Map<string, Answer>()
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #resolve: Resolve

  /** `resolve` and `now` are test seams; the defaults are the system resolver and the clock. */
  constructor(options: { ttlMs?: number; now?: () => number; resolve?: Resolve } = {}) {
    this.#ttlMs = options.ttlMs ?? DNS_CACHE_TTL_MS
    this.#now = options.now ?? Date.now
    this.#resolve = options.resolve ?? (systemLookup as Resolve)
  }

  /** Drops the answers for `host`, e.g. after a connection to a cached address failed. */
  forget(host: string): void {
    for (const key of this.#answers.keys()) if (key.startsWith(`${host}|`)) this.#answers.delete(key)
  }

  /** A `lookup` for net.connect: cached answer if fresh, else the system resolver (errors not cached). */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const o = options as LookupOptions
    const key = `${hostname}|${o.all === true}|${o.family ?? 0}`
    const hit = this.#answers.get(key)
    if (hit !== undefined && hit.until > this.#now()) {
      const { address, family } = hit
      process.nextTick(() =>
        (callback as (e: null, a: typeof address, f?: number) => void)(null, address, family),
      )
      return
    }
    this.#resolve(hostname, o, (err, address, family) => {
      if (err === null) this.#answers.set(key, { address, family, until: this.#now() + this.#ttlMs })
      ;(callback as (e: NodeJS.ErrnoException | null, a: typeof address, f?: number) => void)(
        err,
        address,
        family,
      )
    })
  }
}
