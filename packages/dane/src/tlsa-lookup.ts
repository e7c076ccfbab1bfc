// The I/O half of the TLSA lookup: ask the app's validating resolver for `_<port>._tcp.<host>` and
// classify the answer (tlsa-answer.ts). Built to start before `tls.connect()` so that, with a warm
// resolver, DANE adds no serial round trip to the connection (prefetchTlsa).
import { ErrorCode, SdkError } from '@mua-sts/core'
import { DnsQueryError, queryResolver } from './dns-query.js'
import { canonicalName, RrType } from './dns-wire.js'
import type { ValidatingResolver } from './resolver.js'
import { type TlsaBase, tlsaQueryName } from './resolver.js'
import { classifyTlsaAnswer, type TlsaLookup } from './tlsa-answer.js'
import type { TlsaCache } from './tlsa-cache.js'

export type LookupOptions = {
  readonly resolver: ValidatingResolver
  readonly signal?: AbortSignal
  /** Reuse secure answers for their TTL (see TlsaCache); default none. */
  readonly cache?: TlsaCache
  /** Clock for the cache (default Date.now). */
  readonly nowMs?: () => number
}

const cacheKey = (resolver: ValidatingResolver, name: string): string =>
  `${resolver.address.host}|${resolver.address.port}|${name}`

/** The lookup of an already validated, canonical owner name. */
async function lookupName(name: string, options: LookupOptions): Promise<TlsaLookup> {
  const key = cacheKey(options.resolver, name)
  const nowMs = options.nowMs ?? Date.now
  const cached = options.cache?.get(key, nowMs())
  if (cached !== undefined) return cached
  try {
    const response = await queryResolver(options.resolver, name, RrType.TLSA, options.signal)
    const lookup = classifyTlsaAnswer(name, response)
    options.cache?.set(key, lookup, nowMs())
    return lookup
  } catch (error) {
    if (error instanceof DnsQueryError) return { status: 'dnssec-invalid', name, reason: error.kind }
    if (options.signal?.aborted === true) {
      throw new SdkError(ErrorCode.Aborted, `TLSA lookup for ${name} was aborted`, { cause: error })
    }
    throw error
  }
}

/**
 * Looks up the TLSA RRset for `base` (RFC 6698 §3). Does I/O. Never rejects for DNS trouble: a timeout,
 * an unreachable resolver or a malformed answer is `dnssec-invalid` with that reason (fail closed).
 * Rejects with `MUASTS_ERR_INVALID_OPTION` for a bad host/port and `MUASTS_ERR_ABORTED` on abort.
 */
export async function lookupTlsa(base: TlsaBase, options: LookupOptions): Promise<TlsaLookup> {
  return lookupName(canonicalName(tlsaQueryName(base)), options)
}

/** A lookup already in flight, started before the TCP connect. */
export type TlsaPrefetch = {
  /** The TLSA RRset for this endpoint; same contract as `lookupTlsa`. */
  readonly lookup: Promise<TlsaLookup>
  /**
   * The same answer, present only when `cache` already held it: then no query was sent and there is
   * nothing to wait for, so a caller can use it at once instead of awaiting `lookup` (#15: with a warm
   * cache DANE adds no asynchronous step to the dial).
   */
  readonly cached?: TlsaLookup
  /** Stops the query (e.g. the connection failed first); `lookup` then rejects `MUASTS_ERR_ABORTED`. */
  cancel(): void
}

/**
 * Starts `lookupTlsa` now and returns without waiting, so the caller can dial in parallel:
 *
 *   const tlsa = prefetchTlsa({ host, port }, { resolver })
 *   const socket = tls.connect(...)
 *   // …handshake…
 *   const outcome = await daneOutcomeForSocket(socket, await tlsa.lookup, …)
 *
 * Does I/O. Throws `MUASTS_ERR_INVALID_OPTION` for a bad host or port, before any I/O. A rejection
 * nobody awaits (the connection failed and the caller never looks) is not an unhandled rejection;
 * awaiting `lookup` still sees it.
 */
export function prefetchTlsa(base: TlsaBase, options: LookupOptions): TlsaPrefetch {
  const name = canonicalName(tlsaQueryName(base))
  const cached = options.cache?.get(cacheKey(options.resolver, name), (options.nowMs ?? Date.now)())
  if (cached !== undefined) return { lookup: Promise.resolve(cached), cached, cancel: () => {} }
  const controller = new AbortController()
  const onOuterAbort = (): void => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  if (options.signal?.aborted === true) onOuterAbort()
  const lookup = lookupName(name, { ...options, signal: controller.signal }).finally(() =>
    options.signal?.removeEventListener('abort', onOuterAbort),
  )
  lookup.catch(() => {})
  return { lookup, cancel: () => controller.abort(new SdkError(ErrorCode.Aborted, 'TLSA lookup cancelled')) }
}
