// The default document fetcher (node:https) against a real loopback server with the test CA.

import { discover, httpsFetch } from '@mua-sts/setup'
import { dnsZone } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import {
  type LoopbackWebServer,
  loopbackFetch,
  startLoopbackWebServer,
  toLoopback,
} from '../support/https-server.js'

const pki = testPki()
let server: LoopbackWebServer
const fetchOptions = () => ({ signal: AbortSignal.timeout(10_000), maxBytes: 1024 })

beforeAll(async () => {
  server = await startLoopbackWebServer({ key: pki.good.key, cert: pki.good.cert, plainHttp: true })
})
afterAll(async () => {
  await server.close()
})

describe('httpsFetch', () => {
  it('follows HTTPS redirects and reports the final URL as validated HTTPS', async () => {
    server.route('a.example.test/start', (_req, res) => void res.writeHead(302, { location: '/next' }).end())
    server.route(
      'a.example.test/next',
      (_req, res) => void res.writeHead(301, { location: 'https://b.example.test/end' }).end(),
    )
    server.route('b.example.test/end', { body: 'done' })
    const result = await loopbackFetch(server, pki.caCert)('https://a.example.test/start', fetchOptions())
    expect(result).toEqual({
      status: 200,
      body: 'done',
      validatedHttps: true,
      url: 'https://b.example.test/end',
    })
  })

  it('never reports a plain HTTP fetch as validated, even after an HTTPS redirect', async () => {
    server.route('c.example.test/start', (req, res) => {
      if (req.socket.localPort === server.httpPort)
        res.writeHead(302, { location: 'https://c.example.test/start' }).end()
      else res.writeHead(200).end('secure part')
    })
    const result = await loopbackFetch(server, pki.caCert)('http://c.example.test/start', fetchOptions())
    expect(result).toMatchObject({ status: 200, body: 'secure part', validatedHttps: false })
  })

  it('gives up on redirect loops with http_redirect_refused', async () => {
    server.route('loop.example.test/x', (_req, res) => void res.writeHead(302, { location: '/x' }).end())
    await expect(
      loopbackFetch(server, pki.caCert)('https://loop.example.test/x', fetchOptions()),
    ).rejects.toMatchObject({
      code: 'http_redirect_refused',
    })
  })

  it('refuses an unparsable Location header with http_redirect_refused', async () => {
    server.route(
      'bad.example.test/x',
      (_req, res) => void res.writeHead(302, { location: 'https://[nope/' }).end(),
    )
    await expect(
      loopbackFetch(server, pki.caCert)('https://bad.example.test/x', fetchOptions()),
    ).rejects.toMatchObject({
      code: 'http_redirect_refused',
    })
  })

  it('validates its options eagerly', () => {
    expect(() => httpsFetch({ maxRedirects: -1 })).toThrow(
      expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }),
    )
    expect(() => httpsFetch({ rejectUnauthorized: false } as never)).toThrow(
      expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }),
    )
  })

  it('uses the system trust store by default, so the test CA is not trusted', async () => {
    // Only the TCP destination is rewritten; without `ca` the test certificate must not validate.
    const fetch = httpsFetch({ lookup: toLoopback, port: () => server.httpsPort })
    server.route('d.example.test/x', { body: 'x' })
    await expect(fetch('https://d.example.test/x', fetchOptions())).rejects.toMatchObject({
      code: 'http_tls_error',
    })
  })
})

describe('discover: a document host that never answers', () => {
  it('becomes a timeout error for that source and does not hold up the result', async () => {
    server.route('autoconfig.example.test/mail/config-v1.1.xml', () => {
      // never respond
    })
    const result = await discover('alice@example.test', {
      resolver: dnsZone({}),
      fetch: loopbackFetch(server, pki.caCert),
      timeoutMs: 200,
      sources: { guess: false, wellKnown: false, mx: false },
    })
    expect(result.errors).toContainEqual(expect.objectContaining({ source: 'autoconfig', code: 'timeout' }))
  })
})
