import { describe, expect, it } from 'vitest'
import { AUTOCONFIG_MAX_BYTES, parseAutoconfig } from './autoconfig-xml.js'

const DOMAIN = 'example.test'

type Server = { type: string; hostname?: string; port?: string; socketType?: string; extra?: string }
const server = (tag: 'incomingServer' | 'outgoingServer', s: Server): string =>
  `<${tag} type="${s.type}">` +
  (s.hostname === undefined ? '' : `<hostname>${s.hostname}</hostname>`) +
  (s.port === undefined ? '' : `<port>${s.port}</port>`) +
  (s.socketType === undefined ? '' : `<socketType>${s.socketType}</socketType>`) +
  (s.extra ?? '') +
  '<authentication>password-cleartext</authentication>' +
  `</${tag}>`

const config = (...servers: string[]): string =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1"><emailProvider id="example.test">' +
  '<domain>example.test</domain><displayName>Example</displayName>' +
  servers.join('') +
  '</emailProvider></clientConfig>'

const imaps = server('incomingServer', {
  type: 'imap',
  hostname: 'imap.example.test',
  port: '993',
  socketType: 'SSL',
})

describe('parseAutoconfig: well-formed documents', () => {
  it('maps SSL to implicit-tls, STARTTLS to starttls and outgoing smtp to submission', () => {
    const result = parseAutoconfig(
      config(
        imaps,
        server('incomingServer', {
          type: 'pop3',
          hostname: 'pop.example.test',
          port: '110',
          socketType: 'STARTTLS',
        }),
        server('outgoingServer', {
          type: 'smtp',
          hostname: 'smtp.example.test',
          port: '465',
          socketType: 'SSL',
        }),
      ),
      DOMAIN,
    )
    expect(result).toEqual({
      ok: true,
      servers: [
        { service: 'imap', host: 'imap.example.test', port: 993, transport: 'implicit-tls' },
        { service: 'pop3', host: 'pop.example.test', port: 110, transport: 'starttls' },
        { service: 'submission', host: 'smtp.example.test', port: 465, transport: 'implicit-tls' },
      ],
      droppedPlaintext: 0,
      invalidEntries: [],
    })
  })

  it('substitutes %EMAILDOMAIN% and normalises host names to lower case without trailing dot', () => {
    const doc = config(
      server('incomingServer', {
        type: 'imap',
        hostname: 'IMAP.%EMAILDOMAIN%.',
        port: '993',
        socketType: 'SSL',
      }),
    )
    const result = parseAutoconfig(doc, DOMAIN)
    expect(result.ok && result.servers[0]?.host).toBe('imap.example.test')
  })

  it('drops plain socketType entries and counts them instead of proposing cleartext', () => {
    const doc = config(
      imaps,
      server('incomingServer', {
        type: 'imap',
        hostname: 'imap.example.test',
        port: '143',
        socketType: 'plain',
      }),
      server('outgoingServer', {
        type: 'smtp',
        hostname: 'smtp.example.test',
        port: '25',
        socketType: 'plain',
      }),
    )
    const result = parseAutoconfig(doc, DOMAIN)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.servers).toHaveLength(1)
    expect(result.droppedPlaintext).toBe(2)
  })

  it('ignores server types outside the SDK scope (exchange, jmap) without calling them invalid', () => {
    const doc = config(imaps, server('incomingServer', { type: 'exchange', hostname: 'ews.example.test' }))
    expect(parseAutoconfig(doc, DOMAIN)).toMatchObject({ ok: true, invalidEntries: [], droppedPlaintext: 0 })
  })

  it('does not resolve type="constructor" through Object.prototype', () => {
    const doc = config(
      server('incomingServer', {
        type: 'constructor',
        hostname: 'x.example.test',
        port: '1',
        socketType: 'SSL',
      }),
    )
    expect(parseAutoconfig(doc, DOMAIN)).toMatchObject({ ok: true, servers: [] })
  })

  it('accepts a UTF-8 byte order mark', () => {
    expect(parseAutoconfig(`\uFEFF${config(imaps)}`, DOMAIN)).toMatchObject({ ok: true })
  })
})

describe('parseAutoconfig: invalid entries are reported and their valid siblings kept', () => {
  const cases: Array<[string, Server]> = [
    ['a port above 65535', { type: 'imap', hostname: 'imap.example.test', port: '99999', socketType: 'SSL' }],
    ['port 0', { type: 'imap', hostname: 'imap.example.test', port: '0', socketType: 'SSL' }],
    [
      'a non-numeric port',
      { type: 'imap', hostname: 'imap.example.test', port: '99three', socketType: 'SSL' },
    ],
    ['a missing hostname', { type: 'imap', port: '993', socketType: 'SSL' }],
    ['a missing port', { type: 'imap', hostname: 'imap.example.test', socketType: 'SSL' }],
    ['a missing socketType', { type: 'imap', hostname: 'imap.example.test', port: '993' }],
    [
      'an unknown socketType',
      { type: 'imap', hostname: 'imap.example.test', port: '993', socketType: 'TLS1.0' },
    ],
    [
      'a hostname with a path',
      { type: 'imap', hostname: 'imap.example.test/x', port: '993', socketType: 'SSL' },
    ],
    [
      'a hostname with other placeholders',
      { type: 'imap', hostname: '%EMAILLOCALPART%.example.test', port: '993', socketType: 'SSL' },
    ],
    [
      'a hostname with an entity left literal',
      { type: 'imap', hostname: 'imap&amp;.example.test', port: '993', socketType: 'SSL' },
    ],
    [
      'a hostname that is an element, not text',
      { type: 'imap', hostname: '<b>imap.example.test</b>', port: '993', socketType: 'SSL' },
    ],
    ['a single-label hostname', { type: 'imap', hostname: 'localhost', port: '993', socketType: 'SSL' }],
  ]
  it.each(cases)('rejects an entry with %s', (_label, bad) => {
    const result = parseAutoconfig(config(server('incomingServer', bad), imaps), DOMAIN)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.invalidEntries).toHaveLength(1)
    expect(result.servers).toEqual([
      { service: 'imap', host: 'imap.example.test', port: 993, transport: 'implicit-tls' },
    ])
  })

  it('reports a server element without a type attribute', () => {
    const result = parseAutoconfig(
      config('<incomingServer><hostname>a.example.test</hostname></incomingServer>'),
      DOMAIN,
    )
    expect(result).toMatchObject({ ok: true, servers: [], invalidEntries: [expect.stringContaining('type')] })
  })
})

describe('parseAutoconfig: hostile documents fail closed with a code', () => {
  it('refuses the billion laughs entity bomb before parsing', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from(
        { length: 9 },
        (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ).join('') +
      ']><clientConfig><emailProvider><incomingServer type="imap"><hostname>&lol9;</hostname></incomingServer></emailProvider></clientConfig>'
    expect(parseAutoconfig(bomb, DOMAIN)).toMatchObject({ ok: false, code: 'xml_doctype_refused' })
  })

  it('refuses an external entity (XXE) declaration', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      '<clientConfig><emailProvider><incomingServer type="imap"><hostname>&xxe;</hostname></incomingServer></emailProvider></clientConfig>'
    expect(parseAutoconfig(xxe, DOMAIN)).toMatchObject({ ok: false, code: 'xml_doctype_refused' })
  })

  it('refuses a bare DOCTYPE, in any letter case', () => {
    expect(parseAutoconfig(`<!doctype clientConfig>${config(imaps)}`, DOMAIN)).toMatchObject({
      ok: false,
      code: 'xml_doctype_refused',
    })
  })

  it('refuses a stray ENTITY declaration outside a DOCTYPE', () => {
    expect(parseAutoconfig(`<!ENTITY x "y">${config(imaps)}`, DOMAIN)).toMatchObject({
      ok: false,
      code: 'xml_doctype_refused',
    })
  })

  it('keeps predefined entities literal (processEntities off), so they cannot smuggle characters', () => {
    const doc = config(
      server('incomingServer', {
        type: 'imap',
        hostname: 'imap&#46;example.test',
        port: '993',
        socketType: 'SSL',
      }),
    )
    expect(parseAutoconfig(doc, DOMAIN)).toMatchObject({
      ok: true,
      servers: [],
      invalidEntries: [expect.any(String)],
    })
  })

  it('refuses a document one byte over the 64 KiB cap without parsing it', () => {
    const padding = ' '.repeat(AUTOCONFIG_MAX_BYTES + 1 - config(imaps).length)
    expect(parseAutoconfig(config(imaps) + padding, DOMAIN)).toMatchObject({
      ok: false,
      code: 'xml_too_large',
    })
    expect(parseAutoconfig(config(imaps) + padding.slice(1), DOMAIN)).toMatchObject({ ok: true })
  })

  it('counts the cap in UTF-8 bytes, not UTF-16 code units', () => {
    const doc = `${config(imaps)}<!--${'é'.repeat(AUTOCONFIG_MAX_BYTES / 2)}-->`
    expect(doc.length).toBeLessThan(AUTOCONFIG_MAX_BYTES + 64)
    expect(parseAutoconfig(doc, DOMAIN)).toMatchObject({ ok: false, code: 'xml_too_large' })
  })

  it('reports malformed XML as xml_malformed', () => {
    expect(parseAutoconfig('<clientConfig><emailProvider></clientConfig>', DOMAIN)).toMatchObject({
      ok: false,
      code: 'xml_malformed',
    })
  })

  it('reports nesting deeper than the parser limit as xml_malformed', () => {
    const deep = `<clientConfig>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</clientConfig>`
    expect(parseAutoconfig(deep, DOMAIN)).toMatchObject({ ok: false, code: 'xml_malformed' })
  })

  it.each([
    ['an empty body', ''],
    ['an HTML error page', '<html><body>Not here</body></html>'],
    ['clientConfig as text', '<clientConfig>hello</clientConfig>'],
    ['emailProvider as text', '<clientConfig><emailProvider>x</emailProvider></clientConfig>'],
    ['JSON', '{"incomingServer": []}'],
  ])('reports %s as a coded failure', (_label, body) => {
    const result = parseAutoconfig(body, DOMAIN)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(['xml_malformed', 'xml_invalid_config']).toContain(result.code)
  })

  it('returns a coded failure, not an exception, for a non-string body', () => {
    expect(parseAutoconfig(42 as unknown as string, DOMAIN)).toMatchObject({
      ok: false,
      code: 'xml_malformed',
    })
  })
})
