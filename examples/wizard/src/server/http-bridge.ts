// The browser demo's stand-in for Electron IPC, on node:http only: `POST /ipc/<channel>` runs one
// handler of ipc-api.ts, `GET /events` is a Server-Sent Events stream of WizardEvents, and everything
// else is the built page. It listens on 127.0.0.1 and still treats every request as hostile:
//   - the Host header must be this exact origin (DNS rebinding: another site's name resolving here);
//   - calls carry a per-launch token, sent in a custom header (a cross-site page cannot set one
//     without a CORS preflight, which is never granted) and injected into the HTML we serve;
//   - bodies are capped and must be JSON; the page gets a strict Content-Security-Policy.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { WizardApi } from '../ipc-api.js'
import { WizardChannelSchema, type WizardEvent } from '../ipc-schema.js'

const MAX_BODY = 64 * 1024
const TOKEN_HEADER = 'x-wizard-token'
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

export type HttpBridgeOptions = {
  readonly api: WizardApi
  /** The built page (index.html + assets), e.g. from buildPage(). */
  readonly staticDir: string
  /** Default 0: a kernel-chosen port. */
  readonly port?: number
}

export type HttpBridge = {
  /** http://127.0.0.1:<port>/ */
  readonly url: string
  /** Sends an event to every open page (the browser-side equivalent of webContents.send). */
  broadcast(event: WizardEvent): void
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function sameToken(given: string | null | undefined, token: Buffer): boolean {
  if (typeof given !== 'string') return false
  const g = Buffer.from(given)
  return g.length === token.length && timingSafeEqual(g, token)
}

/** Starts the bridge on 127.0.0.1. Does I/O (listens, reads staticDir per request). */
export async function startHttpBridge(o: HttpBridgeOptions): Promise<HttpBridge> {
  const root = resolve(o.staticDir)
  const token = Buffer.from(randomBytes(24).toString('base64url'))
  const streams = new Set<ServerResponse>()
  const broadcast = (event: WizardEvent): void => {
    const frame = `data: ${JSON.stringify(event)}\n\n`
    for (const res of streams) res.write(frame)
  }
  let origin = ''

  async function serveFile(res: ServerResponse, path: string): Promise<void> {
    const rel = normalize(path === '/' ? '/index.html' : decodeURIComponent(path)).replace(/^[/\\]+/, '')
    const file = join(root, rel)
    if (rel.startsWith('..') || !file.startsWith(root + sep) || TYPES[extname(file)] === undefined) {
      send(res, 404, 'text/plain', 'not found')
      return
    }
    const body = await readFile(file).catch(() => undefined)
    if (body === undefined) {
      send(res, 404, 'text/plain', 'not found')
      return
    }
    const type = TYPES[extname(file)] as string
    if (extname(file) !== '.html') return send(res, 200, type, body)
    // The page reads its token from this meta tag; other origins cannot read our HTML.
    const html = body.toString('utf8').replace('content="__WIZARD_TOKEN__"', `content="${token.toString()}"`)
    send(res, 200, type, html)
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream' })
    res.write(': connected\n\n')
    streams.add(res)
    req.on('close', () => streams.delete(res))
  }

  async function call(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    const parsed = WizardChannelSchema.safeParse(channel)
    if (!parsed.success) return send(res, 404, 'text/plain', 'no such channel')
    if (!sameToken(req.headers[TOKEN_HEADER] as string | undefined, token)) {
      return send(res, 403, 'text/plain', 'missing or wrong token')
    }
    if (req.headers['content-type'] !== 'application/json') {
      return send(res, 415, 'text/plain', 'expected application/json')
    }
    const input = await readJson(req).catch(() => undefined)
    if (input === undefined) return send(res, 400, 'text/plain', 'malformed or too large JSON body')
    const result = await o.api[parsed.data](input, broadcast)
    send(res, 200, 'application/json', JSON.stringify(result))
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin)
    if (req.headers.host !== new URL(origin).host) return send(res, 421, 'text/plain', 'wrong host')
    const done = (error: unknown): void => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error')
      else res.destroy(error instanceof Error ? error : undefined)
    }
    if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) {
      call(req, res, url.pathname.slice('/ipc/'.length)).catch(done)
    } else if (req.method === 'GET' && url.pathname === '/events') {
      if (!sameToken(url.searchParams.get('token'), token)) return send(res, 403, 'text/plain', 'no')
      openStream(req, res)
    } else if (req.method === 'GET') {
      serveFile(res, url.pathname).catch(done)
    } else send(res, 405, 'text/plain', 'method not allowed')
  })
  server.listen(o.port ?? 0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${origin}/`,
    broadcast,
    close: async () => {
      for (const res of streams) res.end()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
