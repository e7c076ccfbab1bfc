// Property tests: the autoconfig parser sees attacker-controlled bytes, so for any input it must
// return (no exception, no hang — vitest's timeout is the hang guard) either a coded failure or
// servers that satisfy every candidate constraint.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AUTOCONFIG_MAX_BYTES, parseAutoconfig } from './autoconfig-xml.js'
import { HostnameSchema, PortSchema } from './candidate.js'
import { IssueCode } from './errors.js'

const CODES = new Set<string>(Object.values(IssueCode))

function assertWellFormedResult(input: string): void {
  const result = parseAutoconfig(input, 'example.test')
  if (!result.ok) {
    expect(CODES.has(result.code)).toBe(true)
    expect(result.message.length).toBeLessThanOrEqual(201)
    return
  }
  for (const server of result.servers) {
    expect(HostnameSchema.safeParse(server.host).success).toBe(true)
    expect(PortSchema.safeParse(server.port).success).toBe(true)
    expect(['implicit-tls', 'starttls']).toContain(server.transport)
    expect(['imap', 'pop3', 'submission']).toContain(server.service)
  }
  expect(result.droppedPlaintext).toBeGreaterThanOrEqual(0)
}

// Tokens that steer random input into the parser's interesting states.
const TOKEN = fc.constantFrom(
  '<',
  '>',
  '/>',
  '</',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '<?',
  '?>',
  '<!DOCTYPE',
  '<!ENTITY',
  '<!',
  'clientConfig',
  'emailProvider',
  'incomingServer',
  'outgoingServer',
  ' type="imap"',
  ' type="smtp"',
  " type='pop3'",
  ' type="__proto__"',
  'hostname',
  'port',
  'socketType',
  'SSL',
  'STARTTLS',
  'plain',
  '993',
  '99999',
  '-1',
  '%EMAILDOMAIN%',
  'imap.example.test',
  '&amp;',
  '&lt;',
  '&#x41;',
  '&',
  ';',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '\u0000',
  '\uFEFF',
  'é',
  '\uD800',
)

const xmlish = fc
  .array(fc.oneof(TOKEN, fc.string({ maxLength: 8 })), { maxLength: 200 })
  .map((parts) => parts.join(''))

const field = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('imap.example.test', '%EMAILDOMAIN%', '993', 'SSL', 'plain'),
)
const structured = fc
  .array(
    fc.record({
      tag: fc.constantFrom('incomingServer', 'outgoingServer'),
      type: fc.constantFrom('imap', 'pop3', 'smtp', 'exchange', 'constructor', ''),
      hostname: field,
      port: field,
      socketType: field,
    }),
    { maxLength: 6 },
  )
  .map(
    (servers) =>
      `<clientConfig><emailProvider>${servers
        .map(
          (s) =>
            `<${s.tag} type="${s.type}"><hostname>${s.hostname}</hostname><port>${s.port}</port>` +
            `<socketType>${s.socketType}</socketType></${s.tag}>`,
        )
        .join('')}</emailProvider></clientConfig>`,
  )

describe('parseAutoconfig properties', () => {
  it('returns a result or a coded failure for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), assertWellFormedResult), {
      numRuns: 500,
    })
  })

  it('returns a result or a coded failure for XML-ish token soup', () => {
    fc.assert(fc.property(xmlish, assertWellFormedResult), { numRuns: 1000 })
  })

  it('only ever yields valid endpoints from structurally valid documents with arbitrary field values', () => {
    fc.assert(fc.property(structured, assertWellFormedResult), { numRuns: 500 })
  })

  it.each([
    ['deeply nested elements', '<a>'.repeat(20_000)],
    ['many attributes', `<clientConfig ${Array.from({ length: 3000 }, (_, i) => `a${i}="x"`).join(' ')}/>`],
    ['an unterminated comment', `<clientConfig><!--${'-'.repeat(60_000)}`],
    ['an unterminated CDATA section', `<clientConfig><![CDATA[${']'.repeat(60_000)}`],
    [
      'many sibling servers',
      `<clientConfig><emailProvider>${'<incomingServer type="imap"/>'.repeat(2000)}</emailProvider></clientConfig>`,
    ],
    ['a long run of ampersands', `<clientConfig>${'&'.repeat(60_000)}</clientConfig>`],
  ])('finishes on %s just under the size cap', (_label, input) => {
    expect(Buffer.byteLength(input)).toBeLessThanOrEqual(AUTOCONFIG_MAX_BYTES)
    assertWellFormedResult(input)
  })
})
