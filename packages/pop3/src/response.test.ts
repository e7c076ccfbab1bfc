import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPop3Error, Pop3ErrorCode } from './errors.js'
import { parseSaslLine, parseStatusLine, responseCodeOf } from './response.js'

const b = (s: string) => Buffer.from(s, 'latin1')

describe('parseStatusLine (RFC 1939 §3)', () => {
  it.each([
    ['+OK', true, ''],
    ['+OK ', true, ''],
    ['+OK 2 320', true, '2 320'],
    ['-ERR', false, ''],
    ['-ERR [IN-USE] locked', false, '[IN-USE] locked'],
  ])('parses %j', (line, ok, text) => {
    const status = parseStatusLine(b(line))
    expect(status.ok).toBe(ok)
    expect(status.text.toString('latin1')).toBe(text)
  })

  it.each(['', '+ok', '+OKAY', '-ERROR', 'OK', '* OK', '+OK\u0000', '+OK a\rb', '+OK a\nb', ' +OK'])(
    'rejects %j as a protocol error',
    (line) => {
      expect(() => parseStatusLine(b(line))).toThrow(
        expect.objectContaining({ code: Pop3ErrorCode.Protocol }),
      )
    },
  )

  it('never quotes the offending line in its error message (it may be attacker-controlled)', () => {
    expect(() => parseStatusLine(b('SECRET-BANNER'))).toThrow(/^(?!.*SECRET).*$/)
  })

  it('either parses or throws a coded protocol error for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const status = parseStatusLine(Buffer.from(bytes))
          expect(
            Buffer.from(bytes)
              .subarray(0, status.ok ? 3 : 4)
              .toString(),
          ).toBe(status.ok ? '+OK' : '-ERR')
        } catch (e) {
          expect(isPop3Error(e, Pop3ErrorCode.Protocol)).toBe(true)
        }
      }),
    )
  })
})

describe('parseSaslLine (RFC 5034 §4)', () => {
  it('reads "+" and "+ " as an empty challenge and "+ base64" as a challenge', () => {
    expect(parseSaslLine(b('+'))).toEqual({ kind: 'continue', challenge: '' })
    expect(parseSaslLine(b('+ '))).toEqual({ kind: 'continue', challenge: '' })
    expect(parseSaslLine(b('+ eyJzIjoxfQ=='))).toEqual({ kind: 'continue', challenge: 'eyJzIjoxfQ==' })
  })

  it('falls through to a status line for +OK and -ERR', () => {
    expect(parseSaslLine(b('+OK welcome'))).toMatchObject({ kind: 'status', status: { ok: true } })
    expect(parseSaslLine(b('-ERR [AUTH] no'))).toMatchObject({ kind: 'status', status: { ok: false } })
  })

  it('rejects a challenge that is not base64', () => {
    expect(() => parseSaslLine(b('+ not base64!'))).toThrow(
      expect.objectContaining({ code: Pop3ErrorCode.Protocol }),
    )
  })
})

describe('responseCodeOf (RFC 2449 §8)', () => {
  it('extracts hierarchical codes and ignores anything that is not one', () => {
    expect(responseCodeOf(b('[SYS/TEMP] try later'))).toBe('SYS/TEMP')
    expect(responseCodeOf(b('[AUTH] bad'))).toBe('AUTH')
    expect(responseCodeOf(b('no code'))).toBeUndefined()
    expect(responseCodeOf(b('[BAD CODE] x'))).toBeUndefined()
    expect(responseCodeOf(b(`[${'A'.repeat(65)}]`))).toBeUndefined()
  })
})
