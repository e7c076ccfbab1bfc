import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deepStatusOf, hasCapability, parseCapaLines, saslMechanismsOf } from './capa.js'
import { isPop3Error, Pop3ErrorCode } from './errors.js'

const lines = (...l: string[]) => l.map((s) => Buffer.from(s, 'latin1'))

describe('parseCapaLines (RFC 2449 §9)', () => {
  it('keeps valid lines verbatim and in order', () => {
    expect(
      parseCapaLines(lines('TOP', 'SASL PLAIN XOAUTH2', 'IMPLEMENTATION Dovecot  (Debian)', 'DEEP')),
    ).toEqual(['TOP', 'SASL PLAIN XOAUTH2', 'IMPLEMENTATION Dovecot  (Debian)', 'DEEP'])
  })

  it.each(['', ' TOP', '.', 'TOP\tX', 'TOP\u0000', 'CAF\u00c9', 'X\u001b[31m'])('rejects %j', (line) => {
    expect(() => parseCapaLines(lines(line))).toThrow(
      expect.objectContaining({ code: Pop3ErrorCode.Protocol }),
    )
  })

  it('only ever returns printable ASCII, whatever the server sends', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), (raw) => {
        try {
          for (const line of parseCapaLines(raw.map((r) => Buffer.from(r))))
            expect(line).toMatch(/^[\x20-\x7e]+$/)
        } catch (e) {
          expect(isPop3Error(e, Pop3ErrorCode.Protocol)).toBe(true)
        }
      }),
    )
  })
})

describe('capability lookups', () => {
  const caps = ['top', 'Stls', 'SASL plain XOAUTH2', 'DEEP tls12 tls-cert <https://s.example/>', 'DEEP tls11']

  it('matches tags case-insensitively, and only whole tags', () => {
    expect(hasCapability(caps, 'STLS')).toBe(true)
    expect(hasCapability(caps, 'TOP')).toBe(true)
    expect(hasCapability(['STLSX', 'X STLS'], 'STLS')).toBe(false)
  })

  it('returns the raw text of the first DEEP line, empty for a bare DEEP, undefined when absent', () => {
    expect(deepStatusOf(caps)).toBe('tls12 tls-cert <https://s.example/>')
    expect(deepStatusOf(['DEEP'])).toBe('')
    expect(deepStatusOf(['DEEPER tls12'])).toBeUndefined()
    expect(deepStatusOf([])).toBeUndefined()
  })

  it('lists SASL mechanisms upper-cased', () => {
    expect(saslMechanismsOf(caps)).toEqual(['PLAIN', 'XOAUTH2'])
    expect(saslMechanismsOf(['USER'])).toEqual([])
  })
})
