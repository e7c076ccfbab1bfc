import { describe, expect, it } from 'vitest'
import { inBandCommands } from './in-band.js'

describe('inBandCommands', () => {
  it('renders one tagged ID with the latch-fail fields and one tagged LOGOUT (DEEP -04 §7.1)', () => {
    expect(inBandCommands({ name: 'mua-sts', 'latch-fail': 'spki-pin' })).toEqual({
      id: 'muasts1 ID ("name" "mua-sts" "latch-fail" "spki-pin")\r\n',
      logout: 'muasts2 LOGOUT\r\n',
    })
  })

  it('cannot be made to carry a second command (quoted strings, CR/LF refused)', () => {
    const { id } = inBandCommands({ name: 'x")\r\nA LOGIN u p', version: 'a"b\\c' })
    expect(id.indexOf('\r\n')).toBe(id.length - 2)
    expect(id).toBe('muasts1 ID ("version" "a\\"b\\\\c")\r\n')
  })
})
