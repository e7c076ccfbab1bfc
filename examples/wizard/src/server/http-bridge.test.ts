// The HTTP stand-in for Electron IPC listens on 127.0.0.1 but still refuses other sites' pages:
// no call without the page's token, no request under another host name, no file outside the page.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WizardApi } from '../ipc-api.js'
import type { WizardEvent } from '../ipc-schema.js'
import { type HttpBridge, startHttpBridge } from './http-bridge.js'

const calls: unknown[] = []
const probeEvent: WizardEvent = {
  type: 'probe',
  sessionId: '6f1c1c1e-8a3b-4c55-9a55-0e1f2a3b4c5d',
  index: 0,
  step: 'started',
}
const answer = async (input: unknown, emit: (e: WizardEvent) => void) => {
  calls.push(input)
  emit(probeEvent)
  return { ok: false as const, error: { code: 'STUB', message: 'stub' } }
}
const api: WizardApi = {
  'wizard:discover': answer,
  'wizard:manual': answer,
  'wizard:probe': answer,
  'wizard:propose': answer,
  'wizard:confirm': answer,
  'wizard:cancel': answer,
  'wizard:pins': answer,
}

let dir: string
let bridge: HttpBridge
let token: string

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string }
function send(path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(bridge.url)
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: o.method ?? 'GET', headers: o.headers ?? {} },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(o.body)
  })
}
const post = (headers: Record<string, string>, body = '{"email":"alice@example.test"}') =>
  send('/ipc/wizard:discover', { method: 'POST', headers, body })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-bridge-'))
  mkdirSync(join(dir, 'page'))
  writeFileSync(join(dir, 'page', 'index.html'), '<meta name="wizard-token" content="__WIZARD_TOKEN__">')
  writeFileSync(join(dir, 'secret.html'), 'outside the page')
  bridge = await startHttpBridge({ api, staticDir: join(dir, 'page') })
  const page = await send('/')
  token = /content="([^"]+)"/.exec(page.body)?.[1] ?? ''
})
afterAll(async () => {
  await bridge.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('startHttpBridge', () => {
  it('serves the page with a fresh token and a strict Content-Security-Policy', async () => {
    const page = await send('/')
    expect(page.status).toBe(200)
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
  })

  it('refuses calls without the token, with a wrong token, or without a JSON content type', async () => {
    const json = { 'content-type': 'application/json' }
    expect((await post(json)).status).toBe(403)
    expect((await post({ ...json, 'x-wizard-token': `${token.slice(1)}x` })).status).toBe(403)
    expect((await post({ 'content-type': 'text/plain', 'x-wizard-token': token })).status).toBe(415)
    expect(calls).toEqual([])
  })

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const r = await post({ 'content-type': 'application/json', 'x-wizard-token': token, host: 'evil.test' })
    expect(r.status).toBe(421)
    expect((await send('/', { headers: { host: 'evil.test' } })).status).toBe(421)
    expect(calls).toEqual([])
  })

  it('serves nothing outside the built page', async () => {
    expect((await send('/..%2Fsecret.html')).status).toBe(404)
    expect((await send('/%2e%2e/secret.html')).status).toBe(404)
    expect((await send('/events')).status).toBe(403)
  })

  it('runs a call with the token and pushes its events to open event streams', async () => {
    const url = new URL(bridge.url)
    const chunks: string[] = []
    let wake = (): void => {}
    const next = () => new Promise<void>((resolve) => (wake = resolve))
    const connected = next()
    const stream = request({ host: url.hostname, port: url.port, path: `/events?token=${token}` }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        chunks.push(chunk)
        wake()
      })
    })
    stream.end()
    await connected // the stream is registered once its first comment arrived
    const pushed = next()
    const r = await post({ 'content-type': 'application/json', 'x-wizard-token': token })
    await pushed
    stream.destroy()
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'STUB', message: 'stub' } })
    expect(calls).toEqual([{ email: 'alice@example.test' }])
    expect(chunks).toEqual([': connected\n\n', `data: ${JSON.stringify(probeEvent)}\n\n`])
  })
})
