// Property tests for the outbox reader: it is fed whatever is on disk after crashes, full disks, editors
// and other processes, so it must never throw and must only ever return schema-valid reports.
import { type Report, ReportSchema } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sampleReport } from '../../../../test/reports/sample-reports.js'
import { encodeFrame, FRAME_PREFIX } from './frame.js'
import { decodeOutboxBytes } from './read-lines.js'

const POOL: Report[] = Array.from({ length: 24 }, (_, i) =>
  sampleReport({ id: `rep_fuzz_${String(i).padStart(3, '0')}`, padding: i % 5, port: 990 + i }),
)
const FRAMES = POOL.map(encodeFrame)

/** A piece of an outbox file: a complete record, a torn record (no newline) or arbitrary bytes. */
type Piece =
  | { kind: 'frame'; index: number }
  | { kind: 'torn'; index: number; cut: number }
  | { kind: 'junk'; bytes: Uint8Array }

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  fc.record({ kind: fc.constant('frame' as const), index: fc.nat(POOL.length - 1) }),
  fc.record({
    kind: fc.constant('torn' as const),
    index: fc.nat(POOL.length - 1),
    cut: fc.double({ min: 0, max: 0.9999, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('junk' as const),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
      fc.constantFrom(
        Buffer.from(FRAME_PREFIX),
        Buffer.from('\n'),
        Buffer.from('{"v":1,"sum":"0000000000000000","report":{}}\n'),
      ),
    ),
  }),
)

function bytesOf(piece: Piece): Buffer {
  if (piece.kind === 'junk') return Buffer.from(piece.bytes)
  const frame = FRAMES[piece.index] as Buffer
  if (piece.kind === 'frame') return frame
  // A torn append lost at least its newline.
  return frame.subarray(0, Math.floor(piece.cut * (frame.length - 1)))
}

describe('outbox reader (property)', () => {
  it('never throws on arbitrary bytes and returns only schema-valid reports', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const decoded = decodeOutboxBytes(bytes)
        for (const { report } of decoded.records) expect(ReportSchema.safeParse(report).success).toBe(true)
        expect(decoded.incompleteBytes).toBeLessThanOrEqual(bytes.length)
      }),
      { numRuns: 500 },
    )
  })

  it('returns every complete record, in order, whatever torn fragments and junk surround it', () => {
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 30 }), (pieces) => {
        // Junk that ends without a newline glues onto the next piece, exactly like a torn write does.
        const decoded = decodeOutboxBytes(Buffer.concat(pieces.map(bytesOf)))
        const expected = pieces.flatMap((p) => (p.kind === 'frame' ? [POOL[p.index]?.reportId] : []))
        expect(decoded.records.map((r) => r.report.reportId)).toEqual(expected)
        for (const { report } of decoded.records) expect(ReportSchema.safeParse(report).success).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})
