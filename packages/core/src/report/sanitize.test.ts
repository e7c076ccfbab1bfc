// Property tests for the sanitizers every server string passes before it may reach a report, an error
// message or the UI (issue #13 item 2): whatever goes in, nothing with markup, control bytes or text
// outside the grammar comes out.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EVIDENCE_KINDS, EvidenceSchema, evidenceKindOf } from './evidence.js'
import {
  CAPABILITY_ATOM_RE,
  capabilityAtoms,
  MAX_PRE_TLS_ATOMS,
  SAFE_TOKEN_RE,
  safeText,
  safeToken,
} from './sanitize.js'

// Anything a hostile server can put on the wire, with the dangerous parts over-represented.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc
    .array(
      fc.constantFrom(
        'IMAP4rev1',
        'STARTTLS',
        '<img/src=x/onerror=alert(1)>',
        '\x1b[31m',
        '\x1b]0;pwned\x07',
        '\u202e',
        '\u0085',
        '\r\n',
        '"quoted"',
        'AUTH=PLAIN',
        '<script>',
        '&lt;',
        ' ',
        '\t',
        '\x00',
      ),
      { maxLength: 40 },
    )
    .map((xs) => xs.join('')),
)
const CONTROL_OR_MARKUP = /[\u0000-\u001f\u007f-\u009f<>\u202a-\u202e\u2066-\u2069\u200b-\u200f]/

describe('capabilityAtoms()', () => {
  it('keeps only grammar atoms, at most 16, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.array(hostile, { maxLength: 64 })), (input) => {
        const out = capabilityAtoms(input)
        expect(out.length).toBeLessThanOrEqual(MAX_PRE_TLS_ATOMS)
        for (const a of out) {
          expect(a).toMatch(CAPABILITY_ATOM_RE)
          expect(a).not.toMatch(CONTROL_OR_MARKUP)
        }
        expect(new Set(out.map((a) => a.toUpperCase())).size).toBe(out.length)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps a real greeting and drops EHLO/CAPA parameters and prose', () => {
    expect(capabilityAtoms('IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN LITERAL+')).toEqual([
      'IMAP4rev1',
      'STARTTLS',
      'LOGINDISABLED',
      'AUTH=PLAIN',
      'LITERAL+',
    ])
    expect(
      capabilityAtoms(['AUTH PLAIN LOGIN', 'SIZE 35882577', 'IMPLEMENTATION evil <b>prose</b>']),
    ).toEqual(['AUTH', 'SIZE', 'IMPLEMENTATION'])
    expect(capabilityAtoms(['<img/src=x/onerror=alert(1)>', '\x1b[31mRED', 'ok'])).toEqual(['ok'])
  })
})

describe('safeText()', () => {
  it('never returns control bytes, bidi or zero-width characters or markup, and respects the cap', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 300 }), (input, max) => {
        const out = safeText(input, max)
        expect(out).not.toMatch(CONTROL_OR_MARKUP)
        expect([...out].length).toBeLessThanOrEqual(max)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps ordinary prose readable', () => {
    expect(safeText('  Mailbox is  over\r\nquota ')).toBe('Mailbox is over quota')
    expect(safeText('<b>Hi</b>\x1b[2J')).toBe('bHi/b[2J')
    expect(safeText('x'.repeat(10), 5)).toBe('xxxx…')
  })
})

describe('safeToken()', () => {
  it('passes plain tokens and replaces anything else with the fallback', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const out = safeToken(input, 'FALLBACK')
        expect(out === 'FALLBACK' || SAFE_TOKEN_RE.test(out)).toBe(true)
      }),
    )
    expect(safeToken('ERR_SSL_WRONG_VERSION_NUMBER', 'x')).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
    expect(safeToken('<x>', 'x')).toBe('x')
    expect(safeToken(undefined, 'x')).toBe('x')
  })
})

describe('evidence kinds', () => {
  it('map any word to a closed list: attacker words never become a kind', () => {
    fc.assert(
      fc.property(hostile, (word) => {
        expect(EVIDENCE_KINDS).toContain(evidenceKindOf(word))
      }),
    )
    expect(evidenceKindOf('capability')).toBe('CAPABILITY')
    expect(evidenceKindOf('HACKED')).toBe('line')
  })

  it('accept only a kind, a size and a lower-case SHA-256', () => {
    const ok = { kind: 'CAPABILITY', bytes: 19, sha256: 'a'.repeat(64) }
    expect(EvidenceSchema.parse(ok)).toEqual(ok)
    expect(EvidenceSchema.safeParse({ ...ok, text: 'IDLE' }).success).toBe(false)
    expect(EvidenceSchema.safeParse({ ...ok, kind: 'IDLE' }).success).toBe(false)
    expect(EvidenceSchema.safeParse({ ...ok, sha256: 'Z'.repeat(64) }).success).toBe(false)
  })
})
