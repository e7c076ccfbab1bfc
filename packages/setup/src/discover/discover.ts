// discover(): pure orchestration over the injected sources. Every source runs in parallel under its
// own deadline and reports failures as data; only invalid input and the caller's abort throw.
// Discovery proposes, it never commits: the first verified TLS connection plus the user's
// confirmation creates a commitment (integration-notes "Persistence and discovery").

import { domainAutoconfig, ispdbCandidates } from './autoconfig-fetch.js'
import type { Source } from './candidate.js'
import { type Discovery, type NotOffered, rankCandidates } from './candidate.js'
import { parseEmail } from './email.js'
import { DiscoverError, DiscoverErrorCode, IssueCode } from './errors.js'
import { guessCandidates } from './guesses.js'
import { httpsFetch } from './https-fetch.js'
import { mxCandidates } from './mx.js'
import { type DiscoverOptions, parseDiscoverOptions } from './options.js'
import { emptyOutcome, mergeOutcomes, type SourceOutcome } from './outcome.js'
import { systemResolver } from './resolver.js'
import { srvCandidates } from './srv.js'
import { thirdPartyTrust } from './trust.js'

// Sources catch their own failures; this is the backstop so a bug in one never loses the others.
function settle(source: Source, work: () => Promise<SourceOutcome>): Promise<SourceOutcome> {
  return work().catch((error: unknown) => ({
    ...emptyOutcome,
    errors: [
      {
        source,
        code: IssueCode.Internal,
        message: `internal: ${error instanceof Error ? error.message : String(error)}`,
      },
    ],
  }))
}

// A function, so TypeScript does not narrow `aborted` across the awaits below.
const isAborted = (signal: AbortSignal | undefined): signal is AbortSignal => signal?.aborted === true

function abortError(signal: AbortSignal): DiscoverError {
  return new DiscoverError(DiscoverErrorCode.Aborted, 'discover aborted by the caller', {
    cause: signal.reason,
  })
}

function uniqueNotOffered(list: readonly NotOffered[]): NotOffered[] {
  const seen = new Set<string>()
  return list.filter((entry) => {
    const key = `${entry.service}|${entry.transport}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Finds candidate IMAP, POP3 and submission endpoints for `email`, each labelled with its source
 * and trust (RFC 8314 §5.1, RFC 6186). Does DNS and HTTPS I/O through the injected (or default)
 * resolver and fetch; sends the address only with `sendAddress: true`.
 *
 * @throws DiscoverError `MUASTS_ERR_INVALID_OPTION` for a bad address or option (before any I/O);
 *   `MUASTS_ERR_ABORTED` when `options.signal` fires. Source failures never throw: see `errors`.
 */
export async function discover(email: string, options: DiscoverOptions = {}): Promise<Discovery> {
  const opts = parseDiscoverOptions(options)
  const { localPart, domain } = parseEmail(email)
  const caller = opts.signal
  if (isAborted(caller)) throw abortError(caller)

  const base = {
    domain,
    // Sent (only if opted in) in normalised form: the A-label domain the lookups used.
    email: `${localPart}@${domain}`,
    caller,
    timeoutMs: opts.timeoutMs,
    fetch: opts.fetch ?? httpsFetch(opts.trust),
    sendAddress: opts.sendAddress,
    allowHttp: opts.allowHttp,
  }
  const resolver = opts.resolver ?? systemResolver(opts.timeoutMs)
  const enabled = opts.sources
  const none = async (): Promise<SourceOutcome> => emptyOutcome
  const ispdb = opts.ispdbUrl

  const outcomes = await Promise.all([
    settle(
      'srv',
      enabled.srv
        ? () => srvCandidates({ domain, resolver, dnssec: opts.dnssec, caller, timeoutMs: opts.timeoutMs })
        : none,
    ),
    settle('autoconfig', enabled.autoconfig ? () => domainAutoconfig('autoconfig', base) : none),
    settle(
      'autoconfig-wellknown',
      enabled.wellKnown ? () => domainAutoconfig('autoconfig-wellknown', base) : none,
    ),
    settle(
      'ispdb',
      ispdb === undefined ? none : () => ispdbCandidates(ispdb, domain, 'ispdb', thirdPartyTrust, base),
    ),
    settle(
      'mx-autoconfig',
      enabled.mx ? () => mxCandidates({ ...base, resolver, ispdbTemplate: ispdb }) : none,
    ),
    settle('guess', async () =>
      enabled.guess ? { ...emptyOutcome, candidates: guessCandidates(domain) } : emptyOutcome,
    ),
  ])
  if (isAborted(caller)) throw abortError(caller)

  const merged = mergeOutcomes(outcomes)
  return {
    domain,
    candidates: rankCandidates(merged.candidates),
    notOffered: uniqueNotOffered(merged.notOffered),
    errors: [...merged.errors],
    diagnostics: [...merged.diagnostics],
  }
}
