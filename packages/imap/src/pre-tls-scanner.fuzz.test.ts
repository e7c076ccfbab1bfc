// Property tests for the pre-TLS scanner: hostile bytes never make it throw, TCP segmentation never
// changes its verdict, and no hostile line before the STARTTLS reply ever leaves it ready to upgrade.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PreTlsScanner } from './pre-tls-scanner.js'

function verdict(chunks: readonly Uint8Array[], starttlsAfter: number) {
  const s = new PreTlsScanner()
  let errors = 0
  chunks.forEach((c, i) => {
    if (i === starttlsAfter) s.clientWrote('1 STARTTLS\r\n')
    if (s.push(Buffer.from(c)).protocolError !== undefined) errors++
  })
  return { anomalies: [...s.anomalies].sort(), caps: s.capsBeforeTls, ready: s.readyForHandshake(), errors }
}

/** Splits `bytes` at the given cut points. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const p of points) {
    out.push(bytes.subarray(from, p))
    from = p
  }
  out.push(bytes.subarray(from))
  return out
}

const LEGIT = ['* OK [CAPABILITY IMAP4rev1 STARTTLS ID] hi', '* CAPABILITY IMAP4rev1 STARTTLS', '1 OK done']
const HOSTILE = [
  '* ID ("deep" "tls12")',
  '* OK [ALERT] call us',
  '* PREAUTH hi',
  '* 3 EXISTS',
  '+ more',
  '* CAPABILITY IMAP4rev1',
  'junk line',
]
const line = fc.oneof(
  fc.constantFrom(...LEGIT, ...HOSTILE),
  fc.string({ maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, ' ')),
)

describe('PreTlsScanner properties', () => {
  it('never throws on arbitrary bytes in arbitrary chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.nat(25),
        (chunks, at) => {
          expect(() => verdict(chunks, at)).not.toThrow()
        },
      ),
    )
  })

  it('gives the same verdict however the same bytes are segmented', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (lines, cuts) => {
          const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1')
          const whole = verdict([bytes], -1)
          const pieces = verdict(split(bytes, cuts), -1)
          expect(pieces).toEqual(whole)
        },
      ),
    )
  })

  it('is never ready to upgrade after a hostile line before the STARTTLS reply', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LEGIT), { maxLength: 4 }),
        fc.constantFrom(...HOSTILE),
        fc.array(fc.constantFrom(...LEGIT), { maxLength: 4 }),
        (before, hostile, after) => {
          const s = new PreTlsScanner()
          for (const l of [LEGIT[0] as string, ...before, hostile, ...after]) s.push(Buffer.from(`${l}\r\n`))
          s.clientWrote('9 STARTTLS\r\n')
          s.push(Buffer.from('9 OK go\r\n'))
          expect(s.readyForHandshake()).toBe(false)
          expect(s.anomalies.length).toBeGreaterThan(0)
        },
      ),
    )
  })
})
