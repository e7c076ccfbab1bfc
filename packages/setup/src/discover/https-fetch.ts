// The default document fetcher for autoconfig sources: node:https with full certificate and host
// name validation (never rejectUnauthorized:false), a hard byte cap enforced while streaming, and
// a redirect policy that never leaves HTTPS. Tests point it at a loopback server through `lookup`
// and `port`; production passes nothing and gets the system trust store and resolver.
import type { IncomingMessage } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { type TrustOptions, TrustOptionsSchema } from '@mua-sts/transport'
import { z } from 'zod'
import { DiscoverError, DiscoverErrorCode, IssueCode, SourceFailure } from './errors.js'

export type FetchResult = {
  readonly status: number
  readonly body: string
  /** True only if every hop was HTTPS with a validated chain and host name. */
  readonly validatedHttps: boolean
  /** The URL the body came from after redirects; defaults to the requested URL when omitted. */
  readonly url?: string
}

export type FetchOptions = { readonly signal: AbortSignal; readonly maxBytes: number }

/** Injectable fetcher: GET `url`, stop reading past `maxBytes`, reject on abort. */
export type DiscoveryFetch = (url: string, options: FetchOptions) => Promise<FetchResult>

/** The guards' TrustOptions (`ca` checked now, `lookup` for dialing only) plus fetch settings. */
export type HttpsFetchOptions = TrustOptions & {
  /** Port to connect to for a URL (tests map 443/80 to ephemeral ports). */
  readonly port?: (url: URL) => number
  /** Redirect hops to follow, all to https: only. Default 3. */
  readonly maxRedirects?: number
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function')
const HttpsFetchOptionsSchema = TrustOptionsSchema.extend({
  port: fn.optional(),
  maxRedirects: z.int().min(0).max(10).optional(),
})

type Hop = { status: number; location: string | undefined; body: string }

// Node reports chain and name failures with these code shapes (OpenSSL verify codes, ERR_TLS_*).
const TLS_ERROR = /CERT|SSL|TLS|SIGNATURE|ISSUER|SELF_SIGNED|HOSTNAME/

function classify(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason
  if (error instanceof SourceFailure) return error
  const code = (error as { code?: unknown } | null)?.code
  const detail = error instanceof Error ? error.message : String(error)
  if (typeof code === 'string' && TLS_ERROR.test(code)) {
    return new SourceFailure(IssueCode.HttpTlsError, `TLS validation failed (${code}): ${detail}`, {
      cause: error,
    })
  }
  return new SourceFailure(IssueCode.HttpError, `request failed: ${detail}`, { cause: error })
}

function readCapped(response: IncomingMessage, maxBytes: number, abort: (e: Error) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes) {
      const failure = new SourceFailure(
        IssueCode.HttpTooLarge,
        `Content-Length ${declared} exceeds ${maxBytes}`,
      )
      abort(failure)
      reject(failure)
      return
    }
    const chunks: Buffer[] = []
    let total = 0
    let stopped = false
    response.on('data', (chunk: Buffer) => {
      if (stopped) return
      total += chunk.length
      if (total > maxBytes) {
        stopped = true
        // Stop reading at once: destroying the request closes the socket mid-body.
        const failure = new SourceFailure(IssueCode.HttpTooLarge, `body exceeds ${maxBytes} bytes`)
        abort(failure)
        reject(failure)
        return
      }
      chunks.push(chunk)
    })
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    response.on('error', reject)
  })
}

function getOnce(url: URL, options: HttpsFetchOptions, fetchOptions: FetchOptions): Promise<Hop> {
  const secure = url.protocol === 'https:'
  const send = secure ? httpsRequest : httpRequest
  return new Promise<Hop>((resolve, reject) => {
    const req = send(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: options.port?.(url) ?? (url.port === '' ? (secure ? 443 : 80) : Number(url.port)),
        path: `${url.pathname}${url.search}`,
        headers: { accept: 'application/xml, text/xml;q=0.9', 'accept-encoding': 'identity' },
        agent: false,
        signal: fetchOptions.signal,
        ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
        ...(secure
          ? {
              rejectUnauthorized: true,
              minVersion: 'TLSv1.2' as const,
              ...(options.ca === undefined ? {} : { ca: [options.ca].flat() }),
            }
          : {}),
      },
      (response) => {
        const status = response.statusCode ?? 0
        const location = response.headers.location
        if (status >= 300 && status < 400 && location !== undefined) {
          response.resume()
          req.destroy()
          resolve({ status, location, body: '' })
          return
        }
        readCapped(response, fetchOptions.maxBytes, (e) => req.destroy(e)).then(
          (body) => resolve({ status, location: undefined, body }),
          reject,
        )
      },
    )
    req.on('error', (error) => reject(classify(error, fetchOptions.signal)))
    req.end()
  })
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return new URL(location, base)
  } catch {
    throw new SourceFailure(IssueCode.HttpRedirectRefused, 'unparsable Location header')
  }
}

/**
 * Creates the default fetcher. Validates its options at once (throws MUASTS_ERR_INVALID_OPTION);
 * the returned function does I/O and rejects with `SourceFailure` codes or the signal's reason.
 */
export function httpsFetch(options: HttpsFetchOptions = {}): DiscoveryFetch {
  const checked = HttpsFetchOptionsSchema.safeParse(options)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    const path = (issue?.path ?? [])
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
      .join('')
    throw new DiscoverError(
      DiscoverErrorCode.InvalidOption,
      `httpsFetch options.${path}: ${issue?.message ?? 'invalid'}`,
      { cause: checked.error },
    )
  }
  const maxRedirects = options.maxRedirects ?? 3
  return async (input, fetchOptions) => {
    let url = new URL(input)
    const validatedHttps = url.protocol === 'https:'
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new SourceFailure(IssueCode.HttpError, `unsupported URL scheme ${url.protocol}`)
      }
      const result = await getOnce(url, options, fetchOptions).catch((error: unknown) => {
        throw classify(error, fetchOptions.signal)
      })
      if (result.location === undefined) {
        return { status: result.status, body: result.body, validatedHttps, url: url.href }
      }
      const next = resolveLocation(result.location, url)
      // A downgrade to http: would hand the document to anyone on the path.
      if (next.protocol !== 'https:') {
        throw new SourceFailure(IssueCode.HttpRedirectRefused, `redirect to ${next.protocol} refused`)
      }
      if (hop >= maxRedirects) {
        throw new SourceFailure(IssueCode.HttpRedirectRefused, `more than ${maxRedirects} redirects`)
      }
      // validatedHttps keeps its value: an http: first hop taints everything it redirected to.
      url = next
    }
  }
}
