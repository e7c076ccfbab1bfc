// A real loopback HTTPS (and optionally plain HTTP) server for autoconfig tests. Routes are keyed by
// virtual host and path, so one server can play autoconfig.example.test, example.test and an ISPDB.
// Clients reach it through httpsFetch({ lookup, port }): names still go through real certificate
// and host name validation against the test CA; only the TCP destination is rewritten.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, LookupFunction } from 'node:net'
import type { DiscoveryFetch } from '@mua-sts/setup'
import { httpsFetch } from '@mua-sts/setup'

export type Responder = (req: IncomingMessage, res: ServerResponse) => void
/** A fixed response, or a function for streaming and redirects. */
export type Route = { status?: number; body?: string; headers?: Record<string, string> } | Responder

export type RequestLogEntry = {
  readonly secure: boolean
  /** Host header without port, lower case. */
  readonly host: string
  /** Path plus query string, as the client sent it. */
  readonly url: string
}

export type LoopbackWebServer = {
  readonly httpsPort: number
  /** Present when started with `plainHttp: true`. */
  readonly httpPort: number | undefined
  /** Every request, in arrival order. */
  readonly requests: RequestLogEntry[]
  /** Replaces or adds a route (`host + path`, e.g. 'example.test/.well-known/…'). */
  route(key: string, route: Route): void
  close(): Promise<void>
}

export type LoopbackWebServerOptions = {
  readonly key: string
  readonly cert: string
  /** `host + path` → route. Unknown keys answer 404. Plain HTTP serves the same table. */
  readonly routes?: Record<string, Route>
  readonly plainHttp?: boolean
}

function listen(server: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port))
  })
}

/** Starts the server on 127.0.0.1 with ephemeral ports. Does I/O. */
export async function startLoopbackWebServer(options: LoopbackWebServerOptions): Promise<LoopbackWebServer> {
  const routes = new Map<string, Route>(Object.entries(options.routes ?? {}))
  const requests: RequestLogEntry[] = []
  const handler =
    (secure: boolean) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase()
      const url = req.url ?? '/'
      requests.push({ secure, host, url })
      const route = routes.get(`${host}${url.split('?')[0]}`)
      if (route === undefined) {
        res.writeHead(404).end()
        return
      }
      if (typeof route === 'function') {
        route(req, res)
        return
      }
      res
        .writeHead(route.status ?? 200, { 'content-type': 'application/xml', ...route.headers })
        .end(route.body ?? '')
    }
  const https = createHttpsServer({ key: options.key, cert: options.cert }, handler(true))
  const http = options.plainHttp === true ? createHttpServer(handler(false)) : undefined
  const httpsPort = await listen(https)
  const httpPort = http === undefined ? undefined : await listen(http)
  const servers = [https, ...(http === undefined ? [] : [http])]
  return {
    httpsPort,
    httpPort,
    requests,
    route: (key, route) => void routes.set(key, route),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections()
              server.close(() => resolve())
            }),
        ),
      )
    },
  }
}

/** Resolves every name to 127.0.0.1 (both the single-address and the `all: true` form). */
export const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

/**
 * The production fetcher, pointed at `server`: the given CA as the only trust anchor, every name
 * resolved to loopback, and 443/80 mapped to the server's ports.
 */
export function loopbackFetch(server: LoopbackWebServer, ca: string): DiscoveryFetch {
  return httpsFetch({
    ca,
    lookup: toLoopback,
    // Without a plain HTTP listener, http: goes to port 1, which refuses on loopback.
    port: (url) => (url.protocol === 'https:' ? server.httpsPort : (server.httpPort ?? 1)),
  })
}
