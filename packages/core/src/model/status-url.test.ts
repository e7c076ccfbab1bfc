// #12 item 5: which status URLs a server may teach. Table tests for the edge cases attackers use, and
// fast-check properties for the strict parser (it is fed server bytes).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sampleCommitment } from '../testing/fixtures.js'
import {
  acceptedStatusUrl,
  acceptStatusUrl,
  MAX_STATUS_URL,
  parseStatusUrl,
  type StatusUrlScope,
  statusUrlHostInScope,
} from './status-url.js'

const UK: StatusUrlScope = { host: 'mail.example.co.uk' }
const NET: StatusUrlScope = { host: 'imap.example.net', domain: 'example.org' }

describe('acceptStatusUrl()', () => {
  it.each([
    ['the committed host itself', NET, 'https://imap.example.net/status', 'https://imap.example.net/status'],
    [
      'a sibling under the registrable domain',
      UK,
      'https://status.example.co.uk/',
      'https://status.example.co.uk/',
    ],
    ['the registrable domain itself', UK, 'https://example.co.uk/help', 'https://example.co.uk/help'],
    ['a name under the mail domain', NET, 'https://help.example.org/tls', 'https://help.example.org/tls'],
    ['upper case, canonicalised', NET, 'HTTPS://Status.Example.NET/Path', 'https://status.example.net/Path'],
    ['one trailing dot, canonicalised', NET, 'https://status.example.net./x', 'https://status.example.net/x'],
    ['a non-default port', NET, 'https://status.example.net:8443/x', 'https://status.example.net:8443/x'],
    ['the default port, dropped', NET, 'https://status.example.net:443/x', 'https://status.example.net/x'],
    ['no path, given one', NET, 'https://status.example.net', 'https://status.example.net/'],
    [
      'a query right after the host',
      NET,
      'https://status.example.net?a=1',
      'https://status.example.net/?a=1',
    ],
    [
      'an IDN A-label under the domain',
      NET,
      'https://xn--bcher-kva.example.net/',
      'https://xn--bcher-kva.example.net/',
    ],
    ['the committed IP literal', { host: '192.0.2.7' }, 'https://192.0.2.7/s', 'https://192.0.2.7/s'],
  ])('accepts %s', (_w, scope, raw, canonical) => {
    expect(acceptStatusUrl(raw, scope)).toBe(canonical)
  })

  it.each([
    ['another registrant under the same public suffix', UK, 'https://evil.co.uk/'],
    ['the public suffix itself', UK, 'https://co.uk/'],
    ['the committed domain as a prefix of another', NET, 'https://example.net.evil.test/'],
    ['the committed domain as a label suffix', NET, 'https://badexample.net/'],
    ['userinfo that looks like the host', NET, 'https://example.net@evil.test/'],
    ['userinfo with a password', NET, 'https://imap.example.net:pw@evil.test/'],
    ['a backslash trick', NET, 'https://evil.test\\@imap.example.net/'],
    ['plain http', NET, 'http://imap.example.net/'],
    ['javascript:', NET, 'javascript:alert(1)'],
    ['no scheme', NET, '//imap.example.net/'],
    ['another IP literal', NET, 'https://192.0.2.7/'],
    ['an IP literal while the committed host is a name', { host: 'imap.example.net' }, 'https://127.0.0.1/'],
    ['a numeric host WHATWG reads as an IP', NET, 'https://0x7f.1/'],
    ['a short dotted IP', { host: '1.2.0.3' }, 'https://1.2.3/'],
    ['an IPv6 literal', NET, 'https://[::1]/'],
    ['a non-ASCII IDN (must arrive as an A-label)', NET, 'https://bücher.example.net/'],
    ['an A-label lookalike of the domain', NET, 'https://status.xn--exmple-cua.net/'],
    ['port 0', NET, 'https://status.example.net:0/'],
    ['a port out of range', NET, 'https://status.example.net:65536/'],
    ['an empty port', NET, 'https://status.example.net:/'],
    ['whitespace in the host', NET, 'https:// status.example.net/'],
    ['whitespace in the path', NET, 'https://status.example.net/a b'],
    ['a control character', NET, 'https://status.example.net/a\tb'],
    ['a broken percent escape', NET, 'https://status.example.net/%zz'],
    ['two trailing dots', NET, 'https://status.example.net../'],
    ['an empty host', NET, 'https:///x'],
    [
      'a mail domain that is a public suffix',
      { host: 'imap.example.net', domain: 'co.uk' },
      'https://evil.co.uk/',
    ],
    ['a single-label committed host scope', { host: 'localhost' }, 'https://other/'],
  ])('refuses %s', (_w, scope, raw) => {
    expect(acceptStatusUrl(raw, scope)).toBeUndefined()
  })

  it('refuses a private-section suffix tenant next door (github.io counts as a public suffix)', () => {
    expect(acceptStatusUrl('https://evil.github.io/', { host: 'imap.victim.github.io' })).toBeUndefined()
    expect(acceptStatusUrl('https://s.victim.github.io/', { host: 'imap.victim.github.io' })).toBe(
      'https://s.victim.github.io/',
    )
  })

  it('refuses anything longer than 2048 characters', () => {
    const path = 'a'.repeat(MAX_STATUS_URL)
    expect(parseStatusUrl(`https://imap.example.net/${path}`)).toMatchObject({
      ok: false,
      error: { code: 'too_long' },
    })
    const fits = `https://imap.example.net/${'a'.repeat(MAX_STATUS_URL - 25)}`
    expect(fits.length).toBe(MAX_STATUS_URL)
    expect(acceptStatusUrl(fits, NET)).toBe(fits)
  })

  it('names why a URL was refused', () => {
    expect(parseStatusUrl('https://a@b.example/')).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    })
    expect(parseStatusUrl('http://b.example/')).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    expect(parseStatusUrl('https://b.example/<x>')).toMatchObject({
      ok: false,
      error: { code: 'invalid_char' },
    })
  })
})

describe('statusUrlHostInScope()', () => {
  it('uses the mail domain itself, not its registrable domain', () => {
    const scope = { host: 'imap.provider.test', domain: 'dept.example.org' }
    expect(statusUrlHostInScope('help.dept.example.org', scope)).toBe(true)
    expect(statusUrlHostInScope('example.org', scope)).toBe(false)
    expect(statusUrlHostInScope('other.example.org', scope)).toBe(false)
  })
})

describe('acceptedStatusUrl()', () => {
  it('returns the saved URL only while it is in the commitment scope', () => {
    const seenAt = '2026-01-01T00:00:00.000Z'
    const ok = sampleCommitment({ statusUrl: { url: 'https://status.example.net/tls', seenAt } })
    expect(acceptedStatusUrl(ok)).toBe('https://status.example.net/tls')
    // Saved by an SDK before #12, when any authenticated server could set it: never shown.
    const legacy = sampleCommitment({ statusUrl: { url: 'https://evil.test/', seenAt } })
    expect(acceptedStatusUrl(legacy)).toBeUndefined()
    const viaDomain = sampleCommitment({
      domain: 'example.org',
      statusUrl: { url: 'https://example.org/', seenAt },
    })
    expect(acceptedStatusUrl(viaDomain)).toBe('https://example.org/')
    expect(acceptedStatusUrl(sampleCommitment())).toBeUndefined()
  })
})

describe('parseStatusUrl() properties', () => {
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/)
  const suffix = fc.constantFrom(
    '',
    '.example.net',
    '.net',
    '.example.co.uk',
    '.co.uk',
    '.example.net.evil.test',
  )
  const host = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), suffix, fc.constantFrom('', '.', 'X'))
    .map(([ls, sfx, tail]) => `${ls.join('.')}${sfx}${tail === 'X' ? '' : tail}`)
    .chain((h) => fc.constantFrom(h, h.toUpperCase(), 'example.net', 'example.co.uk'))
  const path = fc.stringMatching(/^(?:\/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,12}){0,3}(?:\?[a-z=&]{0,8})?$/)
  const plausible = fc
    .tuple(
      fc.constantFrom('https', 'HTTPS', 'http', 'ftp'),
      fc.constantFrom('', 'user@', 'a:b@'),
      host,
      fc.constantFrom('', ':443', ':8443', ':0', ':99999'),
      path,
    )
    .map(([s, u, h, p, rest]) => `${s}://${u}${h}${p}${rest}`)

  it('never throws, and its canonical form parses to itself', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 80 }), plausible),
        (raw) => {
          const r = parseStatusUrl(raw)
          if (!r.ok) return
          expect(r.value.url.startsWith('https://')).toBe(true)
          expect(r.value.url.length).toBeLessThanOrEqual(MAX_STATUS_URL)
          expect(parseStatusUrl(r.value.url)).toEqual(r)
          expect(new URL(r.value.url).hostname).toBe(r.value.host)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('accepts a URL only for a host at or under the scope, never through userinfo', () => {
    let accepted = 0
    fc.assert(
      fc.property(plausible, fc.constantFrom('imap.example.net', 'mail.example.co.uk'), (raw, committed) => {
        const url = acceptStatusUrl(raw, { host: committed })
        if (url === undefined) return
        accepted += 1
        expect(raw.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0]).not.toContain('@') // no userinfo
        expect(raw.toLowerCase().startsWith('https://')).toBe(true)
        const h = new URL(url).hostname
        const reg = committed === 'imap.example.net' ? 'example.net' : 'example.co.uk'
        expect(h === reg || h.endsWith(`.${reg}`)).toBe(true)
      }),
      { numRuns: 2000 },
    )
    expect(accepted).toBeGreaterThan(20) // the generator does reach the accepting side
  })
})
