import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deepStatusFromId, limitIdFields, parseIdParams, renderIdParams, stsPolicyFromId } from './imap-id.js'

describe('IMAP ID parameter lists (RFC 2971, DEEP -04 §7.1)', () => {
  it('renders the client fields of the DEEP example', () => {
    expect(
      renderIdParams({
        name: 'ExampleSDK',
        version: '0.3.1',
        latch: 'tls12 tls-cert',
        'security-tags': 'tls-dane-tlsa',
      }),
    ).toBe('("name" "ExampleSDK" "version" "0.3.1" "latch" "tls12 tls-cert" "security-tags" "tls-dane-tlsa")')
    expect(renderIdParams({})).toBe('NIL')
  })

  it('reads deep or deep-status, and sts or sts-policy, case-insensitively', () => {
    const a = parseIdParams('("Name" "Dovecot" "DEEP" "tls12 tls-cert <https://s.example/x>")')
    expect(a.ok && deepStatusFromId(a.value)).toBe('tls12 tls-cert <https://s.example/x>')
    const b = parseIdParams('("deep-status" "tls11" "sts-policy" "tls-version=1.2")')
    expect(b.ok && deepStatusFromId(b.value)).toBe('tls11')
    expect(b.ok && stsPolicyFromId(b.value)).toBe('tls-version=1.2')
  })

  it('handles NIL lists, NIL values and escapes', () => {
    expect(parseIdParams('NIL')).toEqual({ ok: true, value: {} })
    expect(parseIdParams('("a" NIL "b" "q\\"uote\\\\")')).toEqual({
      ok: true,
      value: { a: null, b: 'q"uote\\' },
    })
  })

  it('applies RFC 2971 limits when rendering', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']))
    expect(Object.keys(limitIdFields(many))).toHaveLength(30)
    expect(limitIdFields({ ['x'.repeat(31)]: 'v', ok: 'y'.repeat(1025), good: 'v', bad: 'a\r\nb' })).toEqual({
      good: 'v',
    })
  })

  it.each([
    ['unbalanced parentheses', '("a" "b"'],
    ['an unterminated string', '("a" "b)'],
    ['a literal', '("a" {3}\r\nabc)'],
    ['31 pairs', `(${Array.from({ length: 31 }, (_, i) => `"k${i}" "v"`).join(' ')})`],
    ['a 2000-octet value', `("a" "${'v'.repeat(2000)}")`],
    ['NUL in a value', '("a" "b\0c")'],
    ['trailing garbage', '("a" "b") x'],
    ['a bad escape', '("a" "\\n")'],
  ])('gives a clean error for %s', (_w, input) => {
    expect(parseIdParams(input).ok).toBe(false)
  })

  it('round-trips render → parse for printable fields', () => {
    const key = fc.stringMatching(/^[a-z][a-z-]{0,20}$/)
    const val = fc.string({ maxLength: 50 }).filter((s) => !/[\r\n\0]/.test(s))
    fc.assert(
      fc.property(fc.dictionary(key, val, { maxKeys: 10 }), (fields) => {
        const r = parseIdParams(renderIdParams(fields))
        expect(r).toEqual({ ok: true, value: fields })
      }),
    )
  })
})
