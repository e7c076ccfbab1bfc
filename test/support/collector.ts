// A real loopback HTTPS report collector for delivery tests: Node https with a test-PKI leaf on
// 127.0.0.1:0. It records every POST (headers and body as received), can answer 200/500/413 or hang, and
// can be taken down and brought back on the same port to play an offline collector.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Leaf } from './certs.js'

export type CollectorMode = 'ok' | 'error' | 'too-large' | 'hang'

export type CollectorPost = {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw body text, exactly as received. */
  readonly raw: string
  /** JSON.parse(raw), or undefined when it was not JSON. */
  readonly json: unknown
  /** What the collector answered (undefined for 'hang'). */
  readonly status: number | undefined
}

export type Collector = {
  readonly port: number
  /** e.g. https://127.0.0.1:PORT/reports */
  readonly url: string
  /** Every POST that reached the HTTP layer, in arrival order (also the ones answered with an error). */
  readonly posts: CollectorPost[]
  /** Completed TLS handshakes (a TLS 1.3 client that then rejects our key may still complete one). */
  readonly handshakes: () => number
  /** Decrypted application bytes received on any connection: 0 means no request line, header or body. */
  readonly applicationBytes: () => number
  /** How to answer the next requests; `queue` answers the next requests in order, then falls back to `mode`. */
  setMode(mode: CollectorMode, queue?: readonly CollectorMode[]): void
  /** Stops listening and drops every connection (the port stays reserved for up()). */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  close(): Promise<void>
}

const MAX_BODY = 32 * 1024 * 1024
const STATUS: Record<Exclude<CollectorMode, 'hang'>, number> = { ok: 200, error: 500, 'too-large': 413 }

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** Starts a collector on 127.0.0.1 with `leaf` as its certificate. Does I/O. */
export async function startCollector(options: {
  readonly leaf: Leaf
  readonly path?: string
}): Promise<Collector> {
  const path = options.path ?? '/reports'
  const posts: CollectorPost[] = []
  let mode: CollectorMode = 'ok'
  let queue: CollectorMode[] = []
  let handshakes = 0
  let applicationBytes = 0
  const hanging = new Set<ServerResponse>()

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_BODY) chunks.push(c)
    })
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(raw)
      } catch {
        json = undefined
      }
      const answer = queue.shift() ?? mode
      const status = answer === 'hang' ? undefined : STATUS[answer]
      posts.push({ path: req.url ?? '', headers: req.headers, raw, json, status })
      if (status === undefined) {
        hanging.add(res)
        return
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }))
    })
  }

  const make = (): Server => {
    const s = createServer({ key: options.leaf.key, cert: options.leaf.cert }, handler)
    s.on('secureConnection', (socket) => {
      handshakes++
      // A passive extra listener: the HTTP parser reads the same 'data' events.
      socket.on('data', (d: Buffer) => {
        applicationBytes += d.length
      })
    })
    return s
  }
  let server = make()
  const port = await listen(server, 0)
  let listening = true

  const stop = async (): Promise<void> => {
    if (!listening) return
    listening = false
    for (const res of hanging) res.destroy()
    hanging.clear()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  return {
    port,
    url: `https://127.0.0.1:${port}${path}`,
    posts,
    handshakes: () => handshakes,
    applicationBytes: () => applicationBytes,
    setMode: (next, nextQueue = []) => {
      mode = next
      queue = [...nextQueue]
    },
    down: stop,
    up: async () => {
      if (listening) return
      server = make()
      // The kernel may hold the port briefly after close; retry rather than pick another port.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(server, port)
          listening = true
          return
        } catch (error) {
          if (attempt >= 50 || (error as { code?: string }).code !== 'EADDRINUSE') throw error
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    },
    close: stop,
  }
}

/**
 * What a receiver keeps after deduplicating on report ids (delivery is at-least-once): reportId → how
 * many delivered entries named it. Only 2xx-answered POSTs count.
 */
export function receivedReportIds(posts: readonly CollectorPost[]): Map<string, number> {
  const seenBatches = new Set<string>()
  const ids = new Map<string, number>()
  for (const post of posts) {
    if (post.status === undefined || post.status < 200 || post.status > 299) continue
    const body = post.json as { batchId?: string; reports?: Array<{ reportIds?: string[] }> } | undefined
    if (body?.batchId === undefined || seenBatches.has(body.batchId)) continue
    seenBatches.add(body.batchId)
    for (const entry of body.reports ?? []) {
      for (const id of entry.reportIds ?? []) ids.set(id, (ids.get(id) ?? 0) + 1)
    }
  }
  return ids
}
