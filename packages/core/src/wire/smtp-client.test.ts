import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sanitizeEsmtpValue } from './esmtp-value.js'
import { parseClient04, renderClient04 } from './smtp-client-04.js'
import { parseClient05, renderClient05 } from './smtp-client-05.js'

describe('SMTP CLIENT, DEEP -04 §7.3', () => {
  it('renders the exact line of the draft example', () => {
    expect(
      renderClient04({
        name: 'ExampleSDK',
        version: '0.3.1',
        latch: ['tls11', 'tls-cert'],
        securityTags: ['tls12', 'tls-dane-tlsa'],
      }),
    ).toBe('CLIENT name=ExampleSDK version=0.3.1 latch=tls11,tls-cert security-tags=tls12,tls-dane-tlsa')
    expect(renderClient04({ name: 'ExampleSDK', version: '0.3.1', latchFail: ['tls12'] })).toBe(
      'CLIENT name=ExampleSDK version=0.3.1 latch-fail=tls12',
    )
  })

  it('renders nothing when there is nothing to say, and never an invalid esmtp-value', () => {
    expect(renderClient04({})).toBeUndefined()
    expect(renderClient04({ name: 'has space', latch: ['tls12'] })).toBe('CLIENT latch=tls12')
  })

  it('sanitises client name and version into esmtp-value (RFC 5321 §4.1.2)', () => {
    expect(sanitizeEsmtpValue('My Mail=App\r\n')).toBe('My_Mail_App__')
    expect(sanitizeEsmtpValue('')).toBeUndefined()
  })

  it('parses keys case-insensitively and keeps unknown keys as extensions', () => {
    expect(parseClient04('client Name=X LATCH=tls12,TLS-CERT future=1')).toEqual({
      ok: true,
      value: { name: 'X', latch: ['tls12', 'tls-cert'], extensions: { future: '1' } },
    })
  })

  it.each([
    ['no parameters', 'CLIENT'],
    ['not CLIENT', 'EHLO x'],
    ['an empty value', 'CLIENT name='],
    ['a bad tag list', 'CLIENT latch=tls12,,x'],
    ['a bad tls cipher', 'CLIENT tls=AES-128'],
    ['a CRLF injection', 'CLIENT name=x\r\nAUTH PLAIN'],
    ['a 600-octet line', `CLIENT name=${'a'.repeat(600)}`],
  ])('answers 501-style for %s', (_w, line) => {
    expect(parseClient04(line).ok).toBe(false)
  })

  it('round-trips render → parse', () => {
    const tags = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), { maxLength: 5 })
    const value = fc.stringMatching(/^[\x21-\x3c\x3e-\x7e]{1,20}$/)
    fc.assert(
      fc.property(fc.option(value, { nil: undefined }), tags, tags, (name, latch, latchFail) => {
        const line = renderClient04({ name, latch, latchFail })
        fc.pre(line !== undefined)
        const r = parseClient04(line as string)
        expect(r.ok).toBe(true)
        if (r.ok) {
          expect(r.value.name).toBe(name)
          expect(r.value.latch ?? []).toEqual(latch)
          expect(r.value.latchFail ?? []).toEqual(latchFail)
        }
      }),
    )
  })
})

describe('SMTP CLIENT, MUA-STS -05 §9.3', () => {
  it('renders the -05 form with quoted directive lists', () => {
    expect(
      renderClient05({
        name: 'ExampleSDK',
        version: '0.3.1',
        saved: 'tls-version=1.1; tls-cert=pkix',
        directives: 'tls-version=1.2',
      }),
    ).toBe(
      'CLIENT name ExampleSDK version 0.3.1 saved "tls-version=1.1; tls-cert=pkix" directives "tls-version=1.2"',
    )
  })

  it('parses what it renders, including policy-fail', () => {
    const line = renderClient05({ name: 'x', policyFail: 'tls-version=1.2' }) as string
    expect(parseClient05(line)).toEqual({
      ok: true,
      value: { name: 'x', policyFail: 'tls-version=1.2', extensions: {} },
    })
  })

  it.each([
    ['an unterminated quote', 'CLIENT saved "tls-version=1.2'],
    ['an odd number of tokens', 'CLIENT name'],
    ['an unquoted directive list', 'CLIENT saved tls-version=1.2'],
    ['a quoted name', 'CLIENT name "x y"'],
  ])('refuses %s', (_w, line) => {
    expect(parseClient05(line).ok).toBe(false)
  })
})
