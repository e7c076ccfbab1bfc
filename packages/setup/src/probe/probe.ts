// probe(): every candidate in parallel under a concurrency bound, each with its own deadline, all
// cancellable at once. Probes never send credentials (see session.ts). A service stops being probed
// as soon as a result is in that nothing still pending could outrank (propose/rank.ts, trust first),
// so a wizard is not held up by slow fallbacks once the best possible endpoint has answered, and an
// untrusted answer never cancels a trusted candidate (#12).
import { ErrorCode, SdkError, SERVICES, type Service } from '@mua-sts/core'
import { validatingResolver } from '@mua-sts/dane'
import type { DaneConfig } from '@mua-sts/transport'
import { z } from 'zod'
import { type Candidate, CandidateSchema } from '../discover/candidate.js'
import { bestPossibleRank, compareRanks, proposalRank, type Rank } from '../propose/rank.js'
import { ProbeFailure } from './failure.js'
import { type ParsedProbeOptions, type ProbeOptions, parseProbeOptions } from './options.js'
import type { ProbeEvent, ProbeResult } from './result.js'
import { probeCandidate } from './session.js'

/** More than any discovery produces; a bound on what one call may open. */
export const MAX_CANDIDATES = 256

const CandidatesSchema = z.array(CandidateSchema).max(MAX_CANDIDATES)

function parseCandidates(input: unknown): Candidate[] {
  const result = CandidatesSchema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path =
    issue === undefined
      ? ''
      : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
  throw new SdkError(ErrorCode.InvalidOption, `probe candidates${path}: ${issue?.message ?? 'invalid'}`, {
    cause: result.error,
  })
}

// A function, so TypeScript does not narrow `aborted` across the awaits below.
const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true

const abortedError = (signal: AbortSignal): SdkError =>
  new SdkError(ErrorCode.Aborted, 'probe aborted by the caller', { cause: signal.reason })

// Round-robin over services by discovery priority, so every service's favourite starts first.
function scheduleOrder(list: readonly Candidate[]): number[] {
  return list
    .map((c, index) => ({ c, index }))
    .sort(
      (a, b) =>
        a.c.priority - b.c.priority ||
        SERVICES.indexOf(a.c.service) - SERVICES.indexOf(b.c.service) ||
        a.index - b.index,
    )
    .map((x) => x.index)
}

/** The state of one probe() call. */
class Run {
  readonly results: Array<ProbeResult | undefined>
  readonly #list: readonly Candidate[]
  readonly #opts: ParsedProbeOptions
  readonly #queue: number[]
  readonly #running = new Map<number, AbortController>()
  readonly #closed = new Set<Service>()
  readonly #best = new Map<Service, Rank>()
  readonly #now: string
  readonly #dane: DaneConfig | undefined
  #aborted = false

  constructor(list: readonly Candidate[], opts: ParsedProbeOptions) {
    this.#list = list
    this.#opts = opts
    this.results = list.map(() => undefined)
    this.#queue = scheduleOrder(list)
    this.#now = (opts.now?.() ?? new Date()).toISOString()
    const clock = opts.now ?? (() => new Date())
    this.#dane = opts.dane === undefined ? undefined : { resolver: validatingResolver(opts.dane), now: clock }
  }

  #emit(event: ProbeEvent): void {
    try {
      this.#opts.onProgress?.(event)
    } catch {
      // A UI listener must not be able to break probing (same isolation as the report dispatcher).
    }
  }

  #finish(index: number, result: ProbeResult): void {
    this.results[index] = result
    const candidate = result.candidate
    if (result.failure !== undefined) this.#emit({ type: 'failed', index, candidate, ...result.failure })
    this.#emit({ type: 'done', index, candidate, result })
  }

  #cancelQueued(index: number, code: 'aborted' | 'superseded'): void {
    const failure = new ProbeFailure(code, code === 'aborted' ? 'probe aborted' : 'a better result is in')
    const candidate = this.#list[index] as Candidate
    this.#finish(index, {
      candidate,
      status: 'cancelled',
      violations: [],
      failure: { code, message: failure.message },
    })
  }

  #take(): number | undefined {
    for (;;) {
      const index = this.#queue.shift()
      if (index === undefined) return undefined
      if (this.#aborted) this.#cancelQueued(index, 'aborted')
      else if (this.#closed.has((this.#list[index] as Candidate).service))
        this.#cancelQueued(index, 'superseded')
      else return index
    }
  }

  async worker(): Promise<void> {
    for (let index = this.#take(); index !== undefined; index = this.#take()) await this.#runOne(index)
  }

  async #runOne(index: number): Promise<void> {
    const candidate = this.#list[index] as Candidate
    const controller = new AbortController()
    this.#running.set(index, controller)
    const ms = this.#opts.timeoutMs
    const timer = setTimeout(
      () => controller.abort(new ProbeFailure('timeout', `no result within ${ms} ms`)),
      ms,
    )
    this.#emit({ type: 'started', index, candidate })
    const result = await probeCandidate(candidate, {
      trust: this.#opts.trust,
      dane: this.#dane,
      signal: controller.signal,
      now: this.#now,
      onTlsOk: (tlsVersion) => this.#emit({ type: 'tls-ok', index, candidate, tlsVersion }),
    })
    clearTimeout(timer)
    this.#running.delete(index)
    this.#finish(index, result)
    if (this.#opts.earlyStop && result.status === 'compliant') this.#maybeClose(candidate.service, result)
  }

  // Early stop (#12): a service closes only when no candidate still pending or running could outrank
  // the best result in. Trust ranks first, so an untrusted result never closes a service while a
  // trusted candidate is still out; the explicit check below says so again, in case the ordering
  // ever changes. In practice early stop happens once the best *trusted* result is in, or, for a
  // service with no trusted candidate left, among untrusted candidates only.
  #maybeClose(service: Service, result: ProbeResult): void {
    const rank = proposalRank(result.candidate, result.observation?.tls?.version)
    const best = this.#best.get(service)
    const top = best === undefined || compareRanks(rank, best) < 0 ? rank : best
    this.#best.set(service, top)
    const contenders = this.#list.filter((c, i) => c.service === service && this.results[i] === undefined)
    if (contenders.some((c) => compareRanks(bestPossibleRank(c), top) < 0)) return
    const topTrusted = top[0] === 0
    if (!topTrusted && contenders.some((c) => c.trust.level === 'trusted')) return
    this.#closed.add(service)
    for (const [i, controller] of this.#running) {
      if (this.#list[i]?.service === service)
        controller.abort(new ProbeFailure('superseded', 'a better result is in'))
    }
  }

  abort(): void {
    this.#aborted = true
    for (const controller of this.#running.values())
      controller.abort(new ProbeFailure('aborted', 'probe aborted'))
  }
}

/**
 * Probes discovered candidates without credentials: TCP, TLS with the guards' exact options, the
 * protocol's capability dialog, and the DEEP / STS advertisement read only after TLS. Does network
 * I/O. Resolves with one result per candidate, in input order; progress goes to `onProgress`.
 *
 * @throws SdkError `MUASTS_ERR_INVALID_OPTION` for bad options or candidates (before any I/O);
 *   `MUASTS_ERR_ABORTED` when `options.signal` fires (every socket is closed first).
 */
export async function probe(
  candidates: readonly Candidate[],
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const opts = parseProbeOptions(options)
  const list = parseCandidates(candidates)
  const caller = opts.signal
  if (caller !== undefined && isAborted(caller)) throw abortedError(caller)
  const run = new Run(list, opts)
  const onAbort = (): void => run.abort()
  caller?.addEventListener('abort', onAbort, { once: true })
  try {
    const workers = Math.min(opts.concurrency, list.length)
    await Promise.all(Array.from({ length: workers }, () => run.worker()))
  } finally {
    caller?.removeEventListener('abort', onAbort)
  }
  if (caller !== undefined && isAborted(caller)) throw abortedError(caller)
  return run.results.map((r) => r as ProbeResult)
}
