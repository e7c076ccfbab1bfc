// A small in-process cache of secure TLSA answers, so a connection to a server whose records were
// just validated does not wait for the resolver again (#15: a warm lookup adds no serial round trip).
// Only `secure` answers are kept, for their DNS TTL and at most `maxTtlMs`: a record the provider
// replaces or withdraws is seen again within that time, as with any DNS cache. Failures, denials and
// insecure answers are never cached, so an outage or a withdrawal is never prolonged. Pure apart from
// the clock it is given.
import type { TlsaLookup } from './tlsa-answer.js'

type Entry = { readonly lookup: TlsaLookup; readonly expires: number }

export class TlsaCache {
  readonly #entries = new Map<string, Entry>()
  constructor(
    readonly maxEntries = 256,
    readonly maxTtlMs = 300_000,
  ) {}

  /** The cached lookup for `key`, or undefined when absent or expired at `nowMs`. A hit is kept longest. */
  get(key: string, nowMs: number): TlsaLookup | undefined {
    const e = this.#entries.get(key)
    if (e === undefined) return undefined
    this.#entries.delete(key)
    if (nowMs >= e.expires) return undefined
    this.#entries.set(key, e) // least recently used goes first; its expiry is unchanged
    return e.lookup
  }

  /** Remembers a `secure` lookup for its TTL (capped); anything else is ignored. Full: drops the LRU entry. */
  set(key: string, lookup: TlsaLookup, nowMs: number): void {
    if (lookup.status !== 'secure' || lookup.ttl === undefined || lookup.ttl <= 0) return
    this.#entries.delete(key) // replacing an entry never evicts another
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(key, { lookup, expires: nowMs + Math.min(lookup.ttl * 1000, this.maxTtlMs) })
  }
}
