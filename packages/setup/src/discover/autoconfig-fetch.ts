// Fetching the autoconfig documents Thunderbird looks for (autoconfig.<domain>, the /.well-known
// path on the domain, an ISPDB-style database) and turning them into labelled candidates. They are
// fetched in parallel; rankCandidates orders the results afterwards. Privacy: the address is sent only when the caller opts in, only to hosts the mail
// domain controls, and never over plain HTTP.
import { z } from 'zod'
import { AUTOCONFIG_MAX_BYTES, parseAutoconfig } from './autoconfig-xml.js'
import type { DraftCandidate, Source, SourceIssue, Trust } from './candidate.js'
import { sourceSignal } from './deadline.js'
import { IssueCode, SourceFailure } from './errors.js'
import type { DiscoveryFetch } from './https-fetch.js'
import { emptyOutcome, issueFromError, mergeOutcomes, outcomeOfIssue, type SourceOutcome } from './outcome.js'
import { autoconfigTrust, type FetchProvenance } from './trust.js'

export type AutoconfigContext = {
  readonly domain: string
  readonly email: string
  readonly fetch: DiscoveryFetch
  readonly caller: AbortSignal | undefined
  readonly timeoutMs: number
  readonly sendAddress: boolean
  readonly allowHttp: boolean
}

export type DocumentRequest = {
  readonly source: Source
  /** URL without query string: what issues report. */
  readonly url: string
  /** Whether `?emailaddress=` may be appended (only https: to the mail domain, and only if opted in). */
  readonly withAddress: boolean
  readonly trust: (provenance: FetchProvenance) => Trust
}

type Scheme = 'https' | 'http'

/** `<scheme>://autoconfig.<domain>/mail/config-v1.1.xml` (Thunderbird autoconfig, first lookup). */
export const autoconfigUrl = (domain: string, scheme: Scheme = 'https'): string =>
  `${scheme}://autoconfig.${domain}/mail/config-v1.1.xml`

/** `<scheme>://<domain>/.well-known/autoconfig/mail/config-v1.1.xml` (RFC 8615 well-known path). */
export const wellKnownUrl = (domain: string, scheme: Scheme = 'https'): string =>
  `${scheme}://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`

/** Fills `{domain}` in an ISPDB-style template. `domain` is already LDH, so no escaping is needed. */
export const ispdbUrl = (template: string, domain: string): string => template.replaceAll('{domain}', domain)

// The injected fetch is caller code talking to the network: its result is checked like any input.
const FetchResultSchema = z.object({
  status: z.int(),
  body: z.string(),
  validatedHttps: z.boolean(),
  url: z.string().optional(),
})

function provenanceOf(
  requested: URL,
  reported: { validatedHttps: boolean; url?: string | undefined },
): FetchProvenance {
  let final = requested
  try {
    if (reported.url !== undefined) final = new URL(reported.url)
  } catch {
    // an unparsable final URL is treated as the requested one, but never as validated below
    return { validatedHttps: false, finalHost: requested.hostname }
  }
  // Belt and braces: an http: URL at either end is never "validated HTTPS", whatever fetch says.
  const https = requested.protocol === 'https:' && final.protocol === 'https:'
  return { validatedHttps: reported.validatedHttps && https, finalHost: final.hostname.toLowerCase() }
}

function statusFailure(status: number): SourceFailure | undefined {
  if (status >= 200 && status < 300) return undefined
  if (status === 404 || status === 410) return new SourceFailure(IssueCode.HttpNotFound, `HTTP ${status}`)
  return new SourceFailure(IssueCode.HttpStatus, `HTTP ${status}`)
}

/** Fetches and parses one document. Does I/O; never rejects. */
export async function fetchDocument(
  request: DocumentRequest,
  context: AutoconfigContext,
): Promise<SourceOutcome> {
  const { source, url } = request
  const signal = sourceSignal(context.caller, context.timeoutMs)
  // The scheme check is redundant with the callers and kept on purpose: never the address in clear.
  const sendAddress = request.withAddress && url.startsWith('https:')
  const requestUrl = sendAddress ? `${url}?emailaddress=${encodeURIComponent(context.email)}` : url
  try {
    const raw = await context.fetch(requestUrl, { signal, maxBytes: AUTOCONFIG_MAX_BYTES })
    const result = FetchResultSchema.safeParse(raw)
    if (!result.success) throw new SourceFailure(IssueCode.HttpError, 'fetch returned a malformed result')
    const failure = statusFailure(result.data.status)
    if (failure !== undefined) throw failure
    const parsed = parseAutoconfig(result.data.body, context.domain)
    if (!parsed.ok) throw new SourceFailure(parsed.code, parsed.message)
    const trust = request.trust(provenanceOf(new URL(url), result.data))
    const candidates: DraftCandidate[] = parsed.servers.map((server, index) => ({
      ...server,
      source,
      trust,
      order: index,
    }))
    const errors: SourceIssue[] = parsed.invalidEntries.map((message) => ({
      source,
      code: IssueCode.XmlInvalidEntry,
      message,
      target: url,
    }))
    const diagnostics: SourceIssue[] =
      parsed.droppedPlaintext === 0
        ? []
        : [
            {
              source,
              code: IssueCode.PlaintextDropped,
              message: `dropped ${parsed.droppedPlaintext} plaintext server entries`,
              target: url,
            },
          ]
    return { ...emptyOutcome, candidates, errors, diagnostics }
  } catch (error) {
    return outcomeOfIssue(
      issueFromError(error, { source, target: url, signal, caller: context.caller }, IssueCode.HttpError),
    )
  }
}

/**
 * One mail-domain source (`autoconfig` or `autoconfig-wellknown`): HTTPS first; plain HTTP only if
 * the caller allowed it and HTTPS produced nothing, and then without the address and labelled
 * `plain_http_source` (autoconfigTrust sees validatedHttps false).
 */
export async function domainAutoconfig(
  source: 'autoconfig' | 'autoconfig-wellknown',
  context: AutoconfigContext,
): Promise<SourceOutcome> {
  const urlFor = source === 'autoconfig' ? autoconfigUrl : wellKnownUrl
  const trust = (provenance: FetchProvenance): Trust => autoconfigTrust(provenance, context.domain)
  const secure = await fetchDocument(
    { source, url: urlFor(context.domain, 'https'), withAddress: context.sendAddress, trust },
    context,
  )
  if (!context.allowHttp || secure.candidates.length > 0 || context.caller?.aborted === true) return secure
  const plain = await fetchDocument(
    { source, url: urlFor(context.domain, 'http'), withAddress: false, trust },
    context,
  )
  return mergeOutcomes([secure, plain])
}

/** An ISPDB-style database lookup for `domain`: third-party data, never sent the address. */
export function ispdbCandidates(
  template: string,
  domain: string,
  source: 'ispdb' | 'mx-autoconfig',
  trust: Trust,
  context: AutoconfigContext,
): Promise<SourceOutcome> {
  return fetchDocument(
    { source, url: ispdbUrl(template, domain), withAddress: false, trust: () => trust },
    context,
  )
}
