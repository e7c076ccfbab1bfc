import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDeepStatus, renderDeepStatus } from './deep-status.js'
import { parseStsPolicy, renderStsPolicy } from './sts-policy.js'

describe('DEEP status (-04 §5.3)', () => {
  it('parses tags and the https URL', () => {
    const r = parseDeepStatus('tls12 tls-cert <https://status.example.net/mail-tls>')
    expect(r).toEqual({
      ok: true,
      value: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.net/mail-tls', ignored: [] },
    })
  })

  it('accepts an empty status', () => {
    expect(parseDeepStatus('')).toEqual({ ok: true, value: { tags: [], ignored: [] } })
  })

  it('lower-cases tags, drops duplicates and ignores extension tokens (§5.3 MUST ignore)', () => {
    const r = parseDeepStatus('TLS12  tls12 !ext 9lives tls-cert')
    expect(r.ok && r.value.tags).toEqual(['tls12', 'tls-cert'])
    expect(r.ok && r.value.ignored).toEqual(['!ext', '9lives'])
  })

  it('keeps only the first https URL and ignores other schemes and unbalanced brackets', () => {
    const r = parseDeepStatus(
      '<http://plain.example/> <https://a.example/x> <https://b.example/y> <https://c.example',
    )
    expect(r.ok && r.value.url).toBe('https://a.example/x')
  })

  it.each([
    ['NUL', 'tls12\0tls-cert', 'invalid_char'],
    ['control characters', 'tls12\r\nA001 LOGIN x y', 'invalid_char'],
    ['8-bit data', 'tlsé', 'invalid_char'],
    ['an over-long status', 'a'.repeat(5000), 'too_long'],
  ])('refuses %s with a clean error', (_what, input, code) => {
    const r = parseDeepStatus(input)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error.code).toBe(code)
  })

  it('copes with 10k tokens without hanging (bounded by the length cap)', () => {
    const r = parseDeepStatus(Array.from({ length: 10_000 }, (_, i) => `t${i}`).join(' '))
    expect(r.ok).toBe(false)
  })

  it('refuses more than 64 distinct tags', () => {
    const r = parseDeepStatus(Array.from({ length: 70 }, (_, i) => `t${i}`).join(' '))
    expect(!r.ok && r.error.code).toBe('too_many')
  })

  it('round-trips render → parse for any well-formed status', () => {
    const tag = fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/)
    fc.assert(
      fc.property(
        fc.uniqueArray(tag, { maxLength: 10 }),
        fc.option(fc.webUrl({ validSchemes: ['https'] }), { nil: undefined }),
        (tags, url) => {
          fc.pre(url === undefined || /^https:\/\/[^\s<>"\\]+$/.test(url))
          const s = url === undefined ? { tags } : { tags, url }
          const r = parseDeepStatus(renderDeepStatus(s))
          expect(r).toEqual({ ok: true, value: { ...s, ignored: [] } })
        },
      ),
    )
  })
})

describe('STS policy (-05 §5–6)', () => {
  it('parses the registered directives', () => {
    const r = parseStsPolicy('tls-version=1.2; tls-cert=pkix; sts-url=https://status.example.net/mail-tls')
    expect(r).toEqual({
      ok: true,
      value: {
        tlsVersion: '1.2',
        tlsCert: 'pkix',
        stsUrl: 'https://status.example.net/mail-tls',
        ignored: [],
      },
    })
  })

  it('defaults a bare tls-cert to any and accepts -06 pkix+dane', () => {
    expect(parseStsPolicy('tls-cert').ok && parseStsPolicy('tls-cert')).toMatchObject({
      value: { tlsCert: 'any' },
    })
    expect(parseStsPolicy('tls-cert=pkix+dane')).toMatchObject({ value: { tlsCert: 'pkix+dane' } })
  })

  it('skips unknown names and unknown values (-05 §7)', () => {
    const r = parseStsPolicy('max-age=31536000; tls-version=9.9; tls-cert=magic; sts-url=http://x')
    expect(r).toMatchObject({
      ok: true,
      value: { ignored: ['max-age=31536000', 'tls-version=9.9', 'tls-cert=magic', 'sts-url=http://x'] },
    })
    expect(r.ok && r.value.tlsVersion).toBeUndefined()
  })

  it('accepts an sts-url in angle brackets as -05 examples sometimes send it', () => {
    expect(parseStsPolicy('sts-url=<https://s.example/x>')).toMatchObject({
      value: { stsUrl: 'https://s.example/x' },
    })
  })

  it('refuses control characters and over-long input', () => {
    expect(parseStsPolicy('tls-version=1.2\r\n').ok).toBe(false)
    expect(parseStsPolicy('x'.repeat(3000)).ok).toBe(false)
  })

  it('round-trips render → parse', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom('1.1' as const, '1.2' as const, '1.3' as const), { nil: undefined }),
        fc.option(fc.constantFrom('any' as const, 'pkix' as const, 'dane' as const, 'pkix+dane' as const), {
          nil: undefined,
        }),
        (tlsVersion, tlsCert) => {
          const p = { ...(tlsVersion ? { tlsVersion } : {}), ...(tlsCert ? { tlsCert } : {}) }
          expect(parseStsPolicy(renderStsPolicy(p))).toEqual({ ok: true, value: { ...p, ignored: [] } })
        },
      ),
    )
  })
})
