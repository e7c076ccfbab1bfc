import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeDomain, parseEmail } from './email.js'

describe('parseEmail', () => {
  it('lower-cases the domain and strips one trailing dot', () => {
    expect(parseEmail('Alice@Example.TEST.')).toEqual({ localPart: 'Alice', domain: 'example.test' })
  })

  it('converts an IDN domain to lower-case A-labels', () => {
    expect(parseEmail('jörg@Bücher.example').domain).toBe('xn--bcher-kva.example')
  })

  it('splits at the last @, so a quoted local part may contain one', () => {
    expect(parseEmail('"a@b"@example.test')).toEqual({ localPart: '"a@b"', domain: 'example.test' })
  })

  it.each([
    ['no @', 'alice.example.test'],
    ['an empty local part', '@example.test'],
    ['an empty domain', 'alice@'],
    ['a single-label domain', 'alice@localhost'],
    ['an IP-literal domain', 'alice@[127.0.0.1]'],
    ['a dotted-quad domain', 'alice@127.0.0.1'],
    ['a space in the local part', 'al ice@example.test'],
    ['a control character', 'al\u0000ice@example.test'],
    ['a 65-octet local part', `${'a'.repeat(65)}@example.test`],
    ['an empty label', 'alice@example..test'],
    ['a label starting with a hyphen', 'alice@-example.test'],
    ['a 64-octet label', `alice@${'a'.repeat(64)}.test`],
    ['an underscore', 'alice@ex_ample.test'],
  ])('rejects an address with %s as MUASTS_ERR_INVALID_OPTION', (_label, email) => {
    expect(() => parseEmail(email)).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }))
  })

  it('rejects non-strings with MUASTS_ERR_INVALID_OPTION', () => {
    expect(() => parseEmail(undefined)).toThrow(
      expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }),
    )
  })

  it('keeps the address out of the error message', () => {
    expect(() => parseEmail('secret-user@localhost')).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('secret-user') }),
    )
  })
})

describe('normalizeDomain', () => {
  // The WHATWG host parser behind domainToASCII would cut these at the delimiter ('evil.test').
  it.each([
    'evil.test/.example.test',
    'evil.test?.example.test',
    'evil.test#.example.test',
    'evil.test\\.example.test',
    'ex%61mple.test',
    'evil.test:993',
    'a@evil.test',
  ])('refuses %s instead of letting the URL host parser truncate it', (input) => {
    expect(normalizeDomain(input)).toBeUndefined()
  })

  it('refuses full-width delimiters that UTS #46 would map to ASCII ones', () => {
    expect(normalizeDomain('evil.test\uFF0F.example.test')).toBeUndefined()
    expect(normalizeDomain('evil.test\uFF03.example.test')).toBeUndefined()
  })

  it('only ever returns lower-case LDH names with at least two labels', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        const out = normalizeDomain(input)
        if (out === undefined) return
        expect(out).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
        expect(out.length).toBeLessThanOrEqual(253)
      }),
      { numRuns: 1000 },
    )
  })

  it('never returns a name that is not a suffix-preserving rewrite of an ASCII input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 60 }), (input) => {
        const out = normalizeDomain(input)
        if (out !== undefined) expect(out).toBe(input.toLowerCase().replace(/\.$/, ''))
      }),
      { numRuns: 1000 },
    )
  })
})
