import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dotStuff, MultilineDecoder } from './multiline.js'

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
