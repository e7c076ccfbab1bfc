import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPop3Error, Pop3ErrorCode } from './errors.js'
import { splitLines, takeLine } from './line-reader.js'

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
