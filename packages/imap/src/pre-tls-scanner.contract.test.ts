// The scanner's contract in detail (RFC 9051 §6.2.1, RFC 2595 §3.1): the evidence kind each refused
// line is kept as, where each pattern is anchored, the exact pre-TLS caps, how client writes are framed,
// and that nothing is read on after the server hung up or the scanner gave up.
import { describe, expect, it } from 'vitest'
import { MAX_PRE_TLS_LINE, PreTlsScanner } from './pre-tls-scanner.js'

const b = (s: string) => Buffer.from(s, 'latin1')
const GREETING = '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready'

/** A scanner past the greeting with `commands` written by the client (`tag COMMAND`). */
function after(greeting: string, ...commands: string[]) {
  const scanner = new PreTlsScanner()
  scanner.push(b(`${greeting}\r\n`))
  for (const c of commands) scanner.clientWrote(`${c}\r\n`)
  return scanner
}

/** Pushes one server line and returns the anomalies and the evidence it added. */
function line(scanner: PreTlsScanner, text: string) {
  const before = scanner.evidence.length
  const r = scanner.push(b(`${text}\r\n`))
  return { anomalies: r.anomalies, evidence: scanner.evidence.slice(before) }
}

describe('the evidence kind of each refused line', () => {
  it.each([
    ['* 1 EXISTS', 'EXISTS'],
    ['* 12 EXISTS', 'EXISTS'],
    ['* FLAGS (\\Seen)', 'FLAGS'],
    ['* ID ("deep" "tls12")', 'ID'],
    ['* XUNKNOWN data', 'line'],
    ['+ send more', 'continuation'],
    ['garbage', 'line'],
    ['garbage ending in +', 'line'],
    ['x * 1 EXISTS', 'line'],
    ['* 1 OK [READ-WRITE] injected', 'OK'],
    ['* LIST () "/" {5}', 'literal'],
    ['* LIST () "/" {12}', 'literal'],
    ['* LIST () "/" {5+}', 'literal'],
    ['* 1 FETCH {5} (FLAGS)', 'FETCH'],
    ['* CAPABILITY IMAP4rev1 STARTTLS', 'CAPABILITY'],
    ['* OK [ALERT] call us', 'ALERT'],
    ['A9 OK not yours', 'tagged'],
  ])('%j is kept as %s', (text, kind) => {
    const r = line(after(GREETING), text)
    expect(r.anomalies).toEqual(['untagged_before_tls'])
    expect(r.evidence).toEqual([{ kind, raw: `${text}\r\n` }])
  })

  it('keeps a first line that is no greeting as a line, and goes on as if greeted', () => {
    const scanner = new PreTlsScanner()
    const r = line(scanner, 'x * OK hello')
    expect(r.anomalies).toEqual(['untagged_before_tls'])
    expect(r.evidence).toEqual([{ kind: 'line', raw: 'x * OK hello\r\n' }])
    expect(scanner.greeting).toBe('OK')
  })

  it('keeps a terminated line over the line cap as a line; one at the cap is read', () => {
    const atCap = `* OK ${'x'.repeat(MAX_PRE_TLS_LINE - 5)}`
    expect(atCap).toHaveLength(MAX_PRE_TLS_LINE)
    expect(line(new PreTlsScanner(), atCap).anomalies).toEqual([])
    const over = `* OK ${'x'.repeat(MAX_PRE_TLS_LINE - 4)}`
    const r = line(new PreTlsScanner(), over)
    expect(r.anomalies).toEqual(['untagged_before_tls'])
    expect(r.evidence).toEqual([{ kind: 'line', raw: `${over}\r\n` }])
  })

  it('keeps bytes after the STARTTLS OK as bytes, exactly as received', () => {
    const scanner = after(GREETING, 'A1 STARTTLS')
    const r = scanner.push(b('A1 OK go\r\nA2 OK \xe9vil'))
    expect(r.anomalies).toEqual(['bytes_after_starttls'])
    expect(scanner.evidence).toEqual([{ kind: 'bytes', raw: 'A2 OK \xe9vil' }])
    expect(scanner.push(b('more')).anomalies).toEqual([])
    expect(scanner.evidence.at(-1)).toEqual({ kind: 'bytes', raw: 'more' })
  })

  it('treats an empty chunk after the STARTTLS OK as nothing', () => {
    const scanner = after(GREETING, 'A1 STARTTLS')
    scanner.push(b('A1 OK go\r\n'))
    expect(scanner.push(Buffer.alloc(0))).toEqual({ anomalies: [] })
    expect(scanner.evidence).toEqual([])
    expect(scanner.readyForHandshake()).toBe(true)
  })
})

describe('greetings and replies, anchored where IMAP anchors them', () => {
  it('accepts a greeting with no text, and a tagged reply with no text', () => {
    const scanner = new PreTlsScanner()
    expect(line(scanner, '* OK').anomalies).toEqual([])
    scanner.clientWrote('A12 CAPABILITY\r\n')
    expect(line(scanner, '* CAPABILITY IMAP4rev1 STARTTLS').anomalies).toEqual([])
    expect(line(scanner, 'A12 OK').anomalies).toEqual([])
    scanner.clientWrote('A13 STARTTLS\r\n')
    expect(line(scanner, 'A13 OK').anomalies).toEqual([])
    expect(scanner.starttlsReply).toBe('OK')
    expect(scanner.readyForHandshake()).toBe(true)
  })

  it('reads capabilities separated by several spaces as atoms, and none from an empty code', () => {
    expect(after('* OK [CAPABILITY IMAP4rev1  STARTTLS] hi').capsBeforeTls).toEqual(['IMAP4rev1', 'STARTTLS'])
    const empty = new PreTlsScanner()
    expect(line(empty, '* OK [CAPABILITY] hi').anomalies).toEqual(['starttls_not_offered'])
    expect(empty.capsBeforeTls).toEqual([])
    expect(new PreTlsScanner().capsBeforeTls).toEqual([])
  })

  it('takes a solicited CAPABILITY only as a whole word, with or without atoms', () => {
    const bare = after('* OK hi', 'A1 CAPABILITY')
    expect(line(bare, '* CAPABILITY').anomalies).toEqual(['starttls_not_offered'])
    const glued = after('* OK hi', 'A1 CAPABILITY')
    expect(line(glued, '* CAPABILITYX STARTTLS')).toEqual({
      anomalies: ['untagged_before_tls'],
      evidence: [{ kind: 'line', raw: '* CAPABILITYX STARTTLS\r\n' }],
    })
    const prefixed = after('* OK hi', 'A1 CAPABILITY')
    expect(line(prefixed, '+ * CAPABILITY IMAP4rev1 STARTTLS').evidence).toEqual([
      { kind: 'continuation', raw: '+ * CAPABILITY IMAP4rev1 STARTTLS\r\n' },
    ])
    expect(prefixed.capsBeforeTls).toEqual([])
  })

  it('reads capabilities from the tagged OK of CAPABILITY, and from no other command', () => {
    const capability = after('* OK hi', 'A1 CAPABILITY')
    expect(line(capability, 'A1 OK [CAPABILITY IMAP4rev1] done').anomalies).toEqual(['starttls_not_offered'])
    expect(capability.capsBeforeTls).toEqual(['IMAP4rev1'])
    const noop = after('* OK hi', 'A1 NOOP')
    expect(line(noop, 'A1 OK [CAPABILITY IMAP4rev1] done').anomalies).toEqual([])
    expect(noop.capsBeforeTls).toEqual([])
  })

  it('never reads capabilities from a PREAUTH greeting (it is refused for PREAUTH alone)', () => {
    const scanner = new PreTlsScanner()
    expect(line(scanner, '* PREAUTH [CAPABILITY IMAP4rev1] hi').anomalies).toEqual(['preauth_before_tls'])
    expect(scanner.capsBeforeTls).toEqual([])
    scanner.clientWrote('A1 CAPABILITY\r\n')
    scanner.push(b('A1 NO not now\r\n'))
    expect(scanner.finish()).toEqual([])
  })

  it.each([
    ['a BYE greeting', ['* BYE']],
    ['a BYE greeting with text', ['* BYE too busy']],
    ['a BYE after the greeting', [GREETING, '* BYE']],
  ])('reads nothing more after %s, not even the rest of the same chunk', (_, lines) => {
    const scanner = new PreTlsScanner()
    const r = scanner.push(b(`${[...lines, '* 1 EXISTS', 'A1 OK [ALERT] x'].join('\r\n')}\r\n`))
    expect(r).toEqual({ anomalies: [] })
    expect(scanner.push(b('* 2 EXISTS\r\n'))).toEqual({ anomalies: [] })
    expect(scanner.evidence).toEqual([])
    expect(scanner.finish()).toEqual([])
  })

  it('does not take "x * BYE" as the server closing', () => {
    expect(line(after(GREETING), 'x * BYE').anomalies).toEqual(['untagged_before_tls'])
  })
})

describe('the client side: which lines are commands', () => {
  it('joins a command written in pieces', () => {
    const scanner = after(GREETING)
    scanner.clientWrote('A1 STA')
    scanner.clientWrote(b('RTTLS\r\n'))
    expect(scanner.starttlsSent).toBe(true)
    expect(line(scanner, 'A1 OK go').anomalies).toEqual([])
  })

  it('ignores lines that are no command (literal data, an empty line) without failing', () => {
    const scanner = after(GREETING)
    scanner.clientWrote('\r\n(x) A1 STARTTLS\r\n+ A2 STARTTLS\r\n')
    expect(scanner.starttlsSent).toBe(false)
    expect(line(scanner, 'A1 OK go').evidence).toEqual([{ kind: 'tagged', raw: 'A1 OK go\r\n' }])
  })

  it('keeps a partial client line up to the line cap and drops a longer one', () => {
    const upToCap = after(GREETING)
    const head = 'A1 STARTTLS '
    upToCap.clientWrote(head + 'x'.repeat(MAX_PRE_TLS_LINE - head.length))
    upToCap.clientWrote('\r\n')
    expect(upToCap.starttlsSent).toBe(true)

    const over = after(GREETING)
    over.clientWrote(`A1 ${'x'.repeat(MAX_PRE_TLS_LINE)}`)
    over.clientWrote('STARTTLS\r\n')
    expect(over.starttlsSent).toBe(false)
    expect(line(over, 'A1 OK go').evidence).toEqual([{ kind: 'tagged', raw: 'A1 OK go\r\n' }])
  })
})

describe('the pre-TLS caps (PRE_TLS_LIMITS: 64 lines, 16 KiB)', () => {
  it('reads 64 lines and refuses the 65th as overflow, then reads nothing more', () => {
    const scanner = after(GREETING, 'A1 CAPABILITY')
    const capability = '* CAPABILITY IMAP4rev1 STARTTLS\r\n'
    expect(scanner.push(b(capability.repeat(63))).anomalies).toEqual([])
    const r = scanner.push(b('* CAPABILITY IMAP4rev1 STARTTLS \xe9\r\n'))
    expect(r.anomalies).toEqual(['untagged_before_tls'])
    expect(scanner.evidence).toEqual([{ kind: 'overflow', raw: '* CAPABILITY IMAP4rev1 STARTTLS \xe9\r\n' }])
    expect(scanner.push(b(capability))).toEqual({ anomalies: [] })
    expect(scanner.evidence).toHaveLength(1)
  })

  it('reads exactly 16 KiB and refuses the next byte as overflow', () => {
    const greeting = `* OK ${'g'.repeat(MAX_PRE_TLS_LINE - 7)}\r\n`
    const partial = `A1 OK ${'p'.repeat(16_384 - greeting.length - 6)}`
    const scanner = new PreTlsScanner()
    scanner.clientWrote('A1 NOOP\r\n')
    expect(scanner.push(b(greeting + partial))).toEqual({ anomalies: [] })
    expect(scanner.bytesSeen).toBe(16_384)
    expect(scanner.push(b('p')).anomalies).toEqual(['untagged_before_tls'])
    expect(scanner.evidence).toEqual([{ kind: 'overflow', raw: 'p' }])
  })

  it('fails on an unterminated line over the cap, keeps one at the cap, and reads nothing after failing', () => {
    const atCap = new PreTlsScanner()
    expect(atCap.push(b('*'.repeat(MAX_PRE_TLS_LINE)))).toEqual({ anomalies: [] })
    const over = new PreTlsScanner()
    expect(over.push(b('*'.repeat(MAX_PRE_TLS_LINE + 1)))).toEqual({
      anomalies: [],
      protocolError: `pre-TLS line longer than ${MAX_PRE_TLS_LINE} octets`,
    })
    expect(over.push(b('\r\n* 1 EXISTS\r\n'))).toEqual({ anomalies: [] })
    expect(over.evidence).toEqual([])
  })
})
