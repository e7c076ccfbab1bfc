// Hostile server input must never crash or hang a parser: every parser returns a result for any string.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDeepCapability, parseStsCapability } from './capabilities.js'
import { parseDeepStatus } from './deep-status.js'
import { parseIdParams } from './imap-id.js'
import { parseReceivedTls } from './received-tls.js'
import { parseClient04 } from './smtp-client-04.js'
import { parseClient05 } from './smtp-client-05.js'
import { parseStsPolicy } from './sts-policy.js'

// Mix of arbitrary unicode, grammar-ish fragments and control characters.
const hostile = fc.oneof(
  fc.string({ maxLength: 3000, unit: 'binary' }),
  fc
    .array(
      fc.constantFrom(
        'tls12',
        '<',
        '>',
        'https://',
        '"',
        '\\',
        '(',
        ')',
        'NIL',
        '=',
        ',',
        ';',
        ' ',
        '\0',
        '\r\n',
        '{5}',
        'CLIENT',
        'latch=',
      ),
      { maxLength: 400 },
    )
    .map((a) => a.join('')),
)

const PARSERS: Array<[string, (s: string) => unknown]> = [
  ['parseDeepStatus', parseDeepStatus],
  ['parseStsPolicy', parseStsPolicy],
  ['parseClient04', parseClient04],
  ['parseClient05', parseClient05],
  ['parseIdParams', parseIdParams],
  ['parseReceivedTls', parseReceivedTls],
  ['parseDeepCapability', (s) => parseDeepCapability(s.split('\n'))],
  ['parseStsCapability', (s) => parseStsCapability(s.split('\n'))],
]

describe('wire parsers under hostile input', () => {
  it.each(PARSERS)('%s never throws', (_name, parse) => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(() => parse(s)).not.toThrow()
      }),
      { numRuns: 1000 },
    )
  })

  it.each(PARSERS)('%s returns quickly on megabyte-sized input', (_name, parse) => {
    const big = `${'tls12 '.repeat(100_000)}<${'a'.repeat(200_000)}`
    expect(() => parse(big)).not.toThrow()
  })
})
