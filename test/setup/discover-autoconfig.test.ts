// Autoconfig sources over a real loopback HTTPS server with the test CA: what is fetched, what is
// trusted, what is refused, and what the server saw (the address is only sent when opted in).

import { type DiscoverOptions, discover } from '@mua-sts/setup'
import { dnsZone } from '@mua-sts/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { type LoopbackWebServer, loopbackFetch, startLoopbackWebServer } from '../support/https-server.js'

const AUTOCONFIG = 'autoconfig.example.test/mail/config-v1.1.xml'
const WELL_KNOWN = 'example.test/.well-known/autoconfig/mail/config-v1.1.xml'

const configXml = (imapHost = 'imap.%EMAILDOMAIN%'): string => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <incomingServer type="imap">
      <hostname>${imapHost}</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.test</hostname><port>110</port><socketType>plain</socketType>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.test</hostname><port>587</port><socketType>STARTTLS</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>`

const pki = testPki()
let server: LoopbackWebServer

beforeAll(async () => {
  server = await startLoopbackWebServer({ key: pki.good.key, cert: pki.good.cert, plainHttp: true })
})
afterAll(async () => {
  await server.close()
})
afterEach(() => {
  server.requests.length = 0
  for (const key of [AUTOCONFIG, WELL_KNOWN]) server.route(key, { status: 404 })
})

// Every DNS name is NXDOMAIN and guesses are off, so only the document sources contribute.
function options(extra: Partial<DiscoverOptions> = {}): DiscoverOptions {
  return {
    resolver: dnsZone({}),
    fetch: loopbackFetch(server, pki.caCert),
    ...extra,
    sources: { guess: false, ...extra.sources },
  }
}

describe('discover: autoconfig from the mail domain over validated HTTPS', () => {
  it('labels autoconfig.<domain> candidates trusted (https_from_mail_domain) and drops plaintext', async () => {
    server.route(AUTOCONFIG, { body: configXml() })
    const result = await discover('alice@example.test', options())
    expect(result.candidates).toEqual([
      {
        service: 'imap',
        host: 'imap.example.test',
        port: 993,
        transport: 'implicit-tls',
        source: 'autoconfig',
        trust: { level: 'trusted', reason: 'https_from_mail_domain' },
        priority: 0,
      },
      {
        service: 'submission',
        host: 'smtp.example.test',
        port: 587,
        transport: 'starttls',
        source: 'autoconfig',
        trust: { level: 'trusted', reason: 'https_from_mail_domain' },
        priority: 0,
      },
    ])
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'plaintext_dropped' }),
    )
  })

  it('labels the /.well-known document on the domain itself trusted as autoconfig-wellknown', async () => {
    server.route(WELL_KNOWN, { body: configXml() })
    const result = await discover('alice@example.test', options())
    expect(result.candidates.map((c) => [c.source, c.trust.reason])).toEqual([
      ['autoconfig-wellknown', 'https_from_mail_domain'],
      ['autoconfig-wellknown', 'https_from_mail_domain'],
    ])
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'http_not_found' }),
    )
  })

  it('does not send the address unless asked to', async () => {
    server.route(AUTOCONFIG, { body: configXml() })
    await discover('alice@example.test', options())
    expect(server.requests.length).toBeGreaterThan(0)
    expect(server.requests.every((r) => !r.url.includes('alice'))).toBe(true)
  })

  it('sends ?emailaddress= with sendAddress, to the mail domain only', async () => {
    const result = await discover(
      'alice@example.test',
      options({ sendAddress: true, ispdbUrl: 'https://ispdb.example.test/v1.1/{domain}' }),
    )
    const withAddress = server.requests.filter((r) => r.url.includes('emailaddress='))
    expect(withAddress.map((r) => `${r.host}${r.url}`).sort()).toEqual([
      'autoconfig.example.test/mail/config-v1.1.xml?emailaddress=alice%40example.test',
      'example.test/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40example.test',
    ])
    expect(server.requests.find((r) => r.host === 'ispdb.example.test')?.url).toBe('/v1.1/example.test')
    // issues report the URL without the query string
    expect(JSON.stringify(result)).not.toContain('alice')
  })
})

describe('discover: autoconfig documents that must not be trusted', () => {
  it('labels an ISPDB-style database third_party_source', async () => {
    server.route('ispdb.example.test/v1.1/example.test', { body: configXml() })
    const result = await discover(
      'alice@example.test',
      options({ ispdbUrl: 'https://ispdb.example.test/v1.1/{domain}' }),
    )
    expect(new Set(result.candidates.map((c) => `${c.source}:${c.trust.level}:${c.trust.reason}`))).toEqual(
      new Set(['ispdb:needs-confirmation:third_party_source']),
    )
  })

  it('labels a document redirected out of the mail domain https_redirected_outside_domain', async () => {
    server.route(
      AUTOCONFIG,
      (_req, res) => void res.writeHead(302, { location: 'https://localhost/cfg.xml' }).end(),
    )
    server.route('localhost/cfg.xml', { body: configXml() })
    const result = await discover('alice@example.test', options())
    expect(result.candidates.map((c) => c.trust)).toEqual([
      { level: 'needs-confirmation', reason: 'https_redirected_outside_domain' },
      { level: 'needs-confirmation', reason: 'https_redirected_outside_domain' },
    ])
  })

  it('refuses a redirect from HTTPS to plain HTTP', async () => {
    server.route(
      AUTOCONFIG,
      (_req, res) => void res.writeHead(301, { location: 'http://autoconfig.example.test/x.xml' }).end(),
    )
    server.route('autoconfig.example.test/x.xml', { body: configXml() })
    const result = await discover('alice@example.test', options())
    expect(result.candidates).toEqual([])
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'http_redirect_refused' }),
    )
    expect(server.requests.some((r) => !r.secure)).toBe(false)
  })

  it('never uses plain HTTP unless allowHttp is set', async () => {
    await discover('alice@example.test', options())
    expect(server.requests.length).toBeGreaterThan(0)
    expect(server.requests.every((r) => r.secure)).toBe(true)
  })

  it('with allowHttp, falls back to HTTP, labels it plain_http_source and never sends the address over it', async () => {
    const plainServer = await startLoopbackWebServer({
      key: pki.good.key,
      cert: pki.good.cert,
      plainHttp: true,
    })
    try {
      plainServer.route(AUTOCONFIG, (req, res) => {
        if (req.socket.localPort === plainServer.httpPort) res.writeHead(200).end(configXml())
        else res.writeHead(404).end()
      })
      const result = await discover('alice@example.test', {
        ...options({ allowHttp: true, sendAddress: true }),
        fetch: loopbackFetch(plainServer, pki.caCert),
      })
      expect(result.candidates.map((c) => [c.source, c.trust.reason])).toEqual([
        ['autoconfig', 'plain_http_source'],
        ['autoconfig', 'plain_http_source'],
      ])
      const plain = plainServer.requests.filter((r) => !r.secure)
      expect(plain.length).toBeGreaterThan(0)
      expect(plain.every((r) => !r.url.includes('emailaddress'))).toBe(true)
    } finally {
      await plainServer.close()
    }
  })

  it('with allowHttp, does not touch HTTP when HTTPS already answered', async () => {
    server.route(AUTOCONFIG, { body: configXml() })
    server.route(WELL_KNOWN, { body: configXml() })
    await discover('alice@example.test', options({ allowHttp: true }))
    expect(server.requests.every((r) => r.secure)).toBe(true)
  })
})

describe('discover: TLS failures of an autoconfig host are errors, never a fallback', () => {
  it.each([
    ['a certificate from an untrusted CA', () => pki.otherCa],
    ['a certificate for another name', () => pki.wrongHost],
    ['an expired certificate', () => pki.expired],
    ['a self-signed certificate', () => pki.selfSigned],
  ])('reports %s as http_tls_error and proposes nothing from it', async (_label, leaf) => {
    const bad = await startLoopbackWebServer({
      key: leaf().key,
      cert: leaf().cert,
      routes: { [AUTOCONFIG]: { body: configXml() } },
    })
    try {
      const result = await discover('alice@example.test', {
        ...options(),
        fetch: loopbackFetch(bad, pki.caCert),
      })
      expect(result.candidates).toEqual([])
      expect(result.errors).toContainEqual(
        expect.objectContaining({ source: 'autoconfig', code: 'http_tls_error' }),
      )
    } finally {
      await bad.close()
    }
  })
})

describe('discover: hostile autoconfig bodies over the wire', () => {
  it('stops reading a 10 MB body at the 64 KiB cap and closes the connection', async () => {
    const total = 10 * 1024 * 1024
    const seen = { written: 0, finished: false }
    const closed = new Promise<void>((resolve) => {
      server.route(AUTOCONFIG, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' })
        res.on('close', () => resolve())
        res.on('finish', () => {
          seen.finished = true
        })
        const chunk = Buffer.alloc(64 * 1024, 0x20)
        const pump = (): void => {
          while (seen.written < total && !res.destroyed) {
            seen.written += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          if (seen.written >= total) res.end()
        }
        pump()
      })
    })
    const result = await discover('alice@example.test', options())
    await closed
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'http_too_large' }),
    )
    expect(seen.finished).toBe(false)
    expect(seen.written).toBeLessThan(total)
  })

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const size = 70 * 1024
    server.route(AUTOCONFIG, { body: ' '.repeat(size), headers: { 'content-length': String(size) } })
    const result = await discover('alice@example.test', options())
    expect(result.errors).toContainEqual(
      expect.objectContaining({
        source: 'autoconfig',
        code: 'http_too_large',
        message: expect.stringContaining('Content-Length'),
      }),
    )
  })

  it('reports an entity bomb as xml_doctype_refused and still uses the other source', async () => {
    server.route(AUTOCONFIG, {
      body: `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${configXml('&b;')}`,
    })
    server.route(WELL_KNOWN, { body: configXml() })
    const result = await discover('alice@example.test', options())
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'xml_doctype_refused' }),
    )
    expect(result.candidates.map((c) => c.source)).toEqual(['autoconfig-wellknown', 'autoconfig-wellknown'])
  })

  it('reports a server error status as http_status', async () => {
    server.route(AUTOCONFIG, { status: 500, body: 'oops' })
    const result = await discover('alice@example.test', options())
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'http_status', message: 'HTTP 500' }),
    )
  })
})

describe('discover: MX-derived autoconfig', () => {
  it("fetches autoconfig for the MX host's domain and labels it mx_derived", async () => {
    server.route(AUTOCONFIG, { body: configXml('imap.example.test') })
    const zone = dnsZone({
      'customer.test': {
        MX: [
          { exchange: 'mx2.example.test', priority: 20 },
          { exchange: 'mx1.mail.example.test', priority: 10 },
        ],
      },
    })
    const result = await discover('alice@customer.test', { ...options(), resolver: zone, sendAddress: true })
    expect(result.candidates.map((c) => [c.source, c.host, c.trust.reason])).toEqual([
      ['mx-autoconfig', 'imap.example.test', 'mx_derived'],
      ['mx-autoconfig', 'smtp.example.test', 'mx_derived'],
    ])
    // the provider is a third party: it never gets the address
    const toProvider = server.requests.filter((r) => r.host === 'autoconfig.example.test')
    expect(toProvider.map((r) => r.url)).toEqual(['/mail/config-v1.1.xml'])
    // customer.test's own hosts are not covered by the test certificate: TLS errors, not candidates
    expect(result.errors).toContainEqual(
      expect.objectContaining({ source: 'autoconfig', code: 'http_tls_error' }),
    )
  })

  it('reports a null MX (RFC 7505) as a diagnostic', async () => {
    const zone = dnsZone({ 'example.test': { MX: [{ exchange: '', priority: 0 }] } })
    const result = await discover('alice@example.test', { ...options(), resolver: zone })
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ source: 'mx-autoconfig', code: 'mx_null' }),
    )
  })

  it('skips the MX path when the MX host is in the mail domain itself', async () => {
    const zone = dnsZone({ 'example.test': { MX: [{ exchange: 'mx.example.test', priority: 0 }] } })
    const result = await discover('alice@example.test', { ...options(), resolver: zone })
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ source: 'mx-autoconfig', code: 'mx_same_domain' }),
    )
    expect(server.requests.filter((r) => r.host === 'autoconfig.example.test')).toHaveLength(1)
  })
})
