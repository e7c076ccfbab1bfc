// Property tests for the cleartext reply framer: it sees attacker bytes, so it must never throw
// anything but MUASTS_ERR_PROTOCOL, and framing must not depend on how TCP split the bytes.
import { isSdkError } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Reply, takeReply } from './reply.js'

/** Feeds `chunks` one by one, like socket 'data' events, and collects every complete reply. */
function frameIncrementally(chunks: readonly Buffer[]): Reply[] {
  const out: Reply[] = []
  let buf: Buffer = Buffer.alloc(0)
  for (const chunk of chunks) {
    buf = Buffer.concat([buf, chunk])
    for (let t = takeReply(buf); t !== undefined; t = takeReply(buf)) {
      out.push(t.reply)
      buf = t.rest
    }
  }
  return out
}

const text = fc.stringMatching(/^[\x20-\x7e]{0,40}$/)
const reply = fc
  .record({
    code: fc.integer({ min: 200, max: 559 }).filter((c) => c % 100 < 60),
    lines: fc.array(text, { minLength: 1, maxLength: 6 }),
  })
  .map(({ code, lines }) => ({
    reply: { code, lines },
    wire: lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join(''),
  }))

function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const parts: Buffer[] = []
  let prev = 0
  for (const p of points) {
    parts.push(bytes.subarray(prev, p))
    prev = p
  }
  parts.push(bytes.subarray(prev))
  return parts
}

describe('takeReply properties', () => {
  it('frames well-formed replies identically however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(reply, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (replies, cuts) => {
          const wire = Buffer.from(replies.map((r) => r.wire).join(''), 'latin1')
          expect(frameIncrementally(splitAt(wire, cuts))).toEqual(replies.map((r) => r.reply))
        },
      ),
    )
  })

  it('never throws anything but a protocol error on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        try {
          frameIncrementally([Buffer.from(bytes)])
        } catch (e) {
          expect(isSdkError(e, 'MUASTS_ERR_PROTOCOL')).toBe(true)
        }
      }),
    )
  })
})
