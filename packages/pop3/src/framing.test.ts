// The pure parsers of framing.ts: lines, status lines, SASL continuations, multi-line bodies, CAPA.
// Each gets fast-check properties (split anywhere, never throw anything but a coded PROTOCOL error).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPop3Error, Pop3ErrorCode } from './errors.js'
import {
  deepStatusOf,
  dotStuff,
  hasCapability,
  MultilineDecoder,
  parseCapaLines,
  parseSaslLine,
  parseStatusLine,
  saslMechanismsOf,
  splitLines,
  takeLine,
} from './framing.js'

const b = (s: string) => Buffer.from(s, 'latin1')

describe('takeLine', () => {
  it('returns the first CRLF line and the rest, keeping bare CR and LF inside the line', () => {
    const got = takeLine(b('+OK a\rb\nc\r\nrest'), 512)
    expect(got?.line.toString('latin1')).toBe('+OK a\rb\nc')
    expect(got?.rest.toString('latin1')).toBe('rest')
  })

  it('waits for more bytes while the line can still fit, including a CR split from its LF', () => {
    expect(takeLine(b(''), 512)).toBeUndefined()
    expect(takeLine(b('+OK'), 512)).toBeUndefined()
    expect(takeLine(b(`${'x'.repeat(510)}\r`), 512)).toBeUndefined()
  })

  it('accepts a line of exactly the limit and rejects one octet more, as early as it can tell', () => {
    expect(takeLine(b(`${'x'.repeat(510)}\r\n`), 512)?.line.length).toBe(510)
    for (const tooLong of [`${'x'.repeat(511)}\r\n`, 'x'.repeat(511), `${'x'.repeat(511)}\r`]) {
      expect(() => takeLine(b(tooLong), 512)).toThrow(
        expect.objectContaining({ code: Pop3ErrorCode.Protocol }),
      )
    }
  })

  it('frames any byte stream the same way however it is split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 6 }),
        (bytes, cuts) => {
          const all = Buffer.from(bytes)
          const frame = (pieces: Buffer[]) => {
            const lines: string[] = []
            let buf: Buffer = Buffer.alloc(0)
            try {
              for (const piece of pieces) {
                buf = Buffer.concat([buf, piece])
                for (let t = takeLine(buf, 64); t !== undefined; t = takeLine(buf, 64)) {
                  lines.push(t.line.toString('hex'))
                  buf = t.rest
                }
              }
              return { lines, error: undefined }
            } catch (e) {
              if (!isPop3Error(e, Pop3ErrorCode.Protocol)) throw e
              return { lines, error: e.code }
            }
          }
          const points = [...new Set(cuts.map((c) => Math.min(c, all.length)))].sort((x, y) => x - y)
          const pieces = [0, ...points].map((start, i) => all.subarray(start, [...points, all.length][i]))
          expect(frame(pieces)).toEqual(frame([all]))
        },
      ),
    )
  })
})

describe('splitLines', () => {
  it('splits a decoded payload into lines', () => {
    expect(splitLines(b('a\r\nbb\r\n'), 512).map((l) => l.toString())).toEqual(['a', 'bb'])
    expect(splitLines(b(''), 512)).toEqual([])
  })

  it.each([
    ['a bare LF', 'a\nb\r\n'],
    ['a bare CR', 'a\rb\r\n'],
    ['a missing final CRLF', 'a\r\nb'],
    ['an over-long line', `${'x'.repeat(20)}\r\n`],
  ])('rejects %s', (_, payload) => {
    expect(() => splitLines(b(payload), 16)).toThrow(
      expect.objectContaining({ code: Pop3ErrorCode.Protocol }),
    )
  })
})

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

// Feeds `wire` to a fresh decoder in the given chunk sizes and returns everything it produced.
function decodeInChunks(wire: Buffer, sizes: readonly number[]) {
  const decoder = new MultilineDecoder()
  const out: Buffer[] = []
  let offset = 0
  let i = 0
  let rest = Buffer.alloc(0)
  let done = false
  while (offset < wire.length) {
    const size = Math.max(1, sizes[i++ % Math.max(1, sizes.length)] ?? 1)
    const result = decoder.push(wire.subarray(offset, offset + size))
    offset += size
    out.push(result.data)
    if (result.done) {
      done = true
      rest = Buffer.concat([result.rest, wire.subarray(offset)])
      break
    }
  }
  return { body: Buffer.concat(out), done, rest }
}

// Bodies made of CRLF-terminated lines, biased towards dots, CRs and LFs.
const line = fc
  .array(fc.constantFrom('.', '.', 'a', 'Z', ' ', '\r', '\n', '\u00e9', '\u0000'), { maxLength: 12 })
  .map((chars) => chars.join(''))
const body = fc
  .array(line, { maxLength: 12 })
  .map((lines) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1'))
const splits = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 })

describe('MultilineDecoder (RFC 1939 §3)', () => {
  it('removes stuffing dots and the terminator, keeping every other byte', () => {
    const wire = Buffer.from('first\r\n..dot\r\n...two\r\n.x\r\n\r\n.\r\nNEXT')
    expect(decodeInChunks(wire, [wire.length])).toEqual({
      body: Buffer.from('first\r\n.dot\r\n..two\r\nx\r\n\r\n'),
      done: true,
      rest: Buffer.from('NEXT'),
    })
  })

  it('ends an empty body at once', () => {
    expect(decodeInChunks(Buffer.from('.\r\n'), [1])).toEqual({
      body: Buffer.alloc(0),
      done: true,
      rest: Buffer.alloc(0),
    })
  })

  it('does not end on ".CR" followed by something other than LF, or on a dot that is not at a line start', () => {
    const wire = Buffer.from('.\rX\r\na.\r\n.\r\n')
    expect(decodeInChunks(wire, [1]).body.toString()).toBe('\rX\r\na.\r\n')
  })

  it('round-trips any CRLF-terminated body through dotStuff for any chunking', () => {
    fc.assert(
      fc.property(body, splits, (b, sizes) => {
        const result = decodeInChunks(dotStuff(b), sizes)
        expect(result.done).toBe(true)
        expect(result.body.equals(b)).toBe(true)
        expect(result.rest.length).toBe(0)
      }),
    )
  })

  it('decodes identically however arbitrary bytes are split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), splits, (bytes, sizes) => {
        const wire = Buffer.from(bytes)
        expect(decodeInChunks(wire, sizes)).toEqual(decodeInChunks(wire, [wire.length || 1]))
      }),
    )
  })
})

describe('dotStuff', () => {
  it('adds a CRLF to a body that lacks one, as servers do', () => {
    expect(dotStuff(Buffer.from('.a')).toString()).toBe('..a\r\n.\r\n')
  })
})

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
