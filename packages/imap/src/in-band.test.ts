import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { capabilitiesOf, inBandCommands } from './in-band.js'

describe('inBandCommands', () => {
  it('renders CAPABILITY, one tagged ID with the failure fields, and one tagged LOGOUT (DEEP -04 §7.1)', () => {
    expect(inBandCommands({ name: 'mua-sts', 'latch-fail': 'tls-cert' })).toEqual({
      capability: 'muasts0 CAPABILITY\r\n',
      id: 'muasts1 ID ("name" "mua-sts" "latch-fail" "tls-cert")\r\n',
      logout: 'muasts2 LOGOUT\r\n',
    })
  })

  it('cannot be made to carry a second command (quoted strings, CR/LF refused)', () => {
    const { id } = inBandCommands({ name: 'x")\r\nA LOGIN u p', version: 'a"b\\c' })
    expect(id.indexOf('\r\n')).toBe(id.length - 2)
    expect(id).toBe('muasts1 ID ("version" "a\\"b\\\\c")\r\n')
  })
})

describe('capabilitiesOf', () => {
  it('reads the greeting response code of -04 Example 1 and an untagged CAPABILITY', () => {
    expect(capabilitiesOf('* OK [CAPABILITY IMAP4rev1 DEEP ID AUTH=PLAIN AUTH=SCRAM-SHA-1] hello')).toEqual([
      'IMAP4rev1',
      'DEEP',
      'ID',
      'AUTH=PLAIN',
      'AUTH=SCRAM-SHA-1',
    ])
    expect(capabilitiesOf('* CAPABILITY IMAP4rev1 ID')).toEqual(['IMAP4rev1', 'ID'])
    expect(capabilitiesOf('* OK hello')).toBeUndefined()
    expect(capabilitiesOf('a1 OK [CAPABILITY ID] done')).toBeUndefined()
  })

  it('never throws and never returns more than 256 atoms, whatever the server sends', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4000 }), (line) => {
        const caps = capabilitiesOf(`* CAPABILITY ${line}`)
        expect((caps ?? []).length).toBeLessThanOrEqual(256)
        for (const c of caps ?? []) expect(c).not.toContain(' ')
      }),
    )
  })
})
