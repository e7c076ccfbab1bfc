// The numbers an app passes to a command (message number, TOP line count, size cap) are validated
// before any I/O. A value inside the bounds skips zod (issue #17); these properties pin that every input
// gets exactly the answer the plain schema gives: the same number back, or the same coded error.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { byteLimit, lineCount, messageNumber } from './commands.js'
import { Pop3ErrorCode } from './errors.js'
import { parseOptions } from './options.js'

const INT31 = 2_147_483_647

const CASES = [
  ['messageNumber', messageNumber, z.int().min(1).max(INT31), 1, INT31],
  ['lineCount', lineCount, z.int().min(0).max(INT31), 0, INT31],
  ['byteLimit', byteLimit, z.int().min(1).max(Number.MAX_SAFE_INTEGER), 1, Number.MAX_SAFE_INTEGER],
] as const

function outcome(f: () => number): { value: number } | { code: unknown; message: string } {
  try {
    return { value: f() }
  } catch (error) {
    const e = error as { code?: unknown; message: string }
    return { code: e.code, message: e.message }
  }
}

/** Inputs around every bound, odd numbers, and whatever else an untyped caller might pass. */
function inputs(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: min - 3, max: min + 3 }),
    fc.integer({ min: Math.max(min, max - 3), max: Math.min(max + 3, Number.MAX_SAFE_INTEGER) }),
    fc.constantFrom(
      max + 1,
      -0,
      0.5,
      min + 0.5,
      Number.MAX_SAFE_INTEGER + 1,
      Number.MAX_SAFE_INTEGER + 2,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      '1',
      1n,
      null,
      undefined,
      [1],
    ),
    fc.double(),
    fc.anything(),
  )
}

describe('command numbers from the app', () => {
  it.each(CASES)('%s answers exactly as its schema does', (name, check, schema, min, max) => {
    const label = `Pop3Client.test ${name}`
    fc.assert(
      fc.property(inputs(min, max), (n) => {
        const fast = outcome(() => check(n, label))
        expect(fast).toEqual(outcome(() => parseOptions(schema, n, label)))
        if ('value' in fast) expect(Object.is(fast.value, n)).toBe(true)
        else expect(fast.code).toBe(Pop3ErrorCode.InvalidOption)
      }),
      { numRuns: 2000 },
    )
  })
})
