import { describe, expect, it } from 'vitest'
import { MAX_PRE_TLS_LINE, PreTlsScanner } from './pre-tls-scanner.js'

const b = (s: string) => Buffer.from(s, 'latin1')

/** Feeds a transcript: `C: ` lines are what the client wrote, every other line is the server's. */
function run(lines: readonly string[], scanner = new PreTlsScanner()) {
  const anomalies: string[] = []
  for (const line of lines) {
    if (line.startsWith('C: ')) scanner.clientWrote(`${line.slice(3)}\r\n`)
    else anomalies.push(...scanner.push(b(`${line}\r\n`)).anomalies)
  }
  return { scanner, anomalies }
}

const DOVECOT_GREETING =
  '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.'

describe('PreTlsScanner', () => {
  it('accepts a Dovecot-style greeting with capabilities followed by OK to STARTTLS', () => {
    const { scanner, anomalies } = run([DOVECOT_GREETING, 'C: 1 STARTTLS', '1 OK Begin TLS negotiation now.'])
    expect(anomalies).toEqual([])
    expect(scanner.readyForHandshake()).toBe(true)
    expect(scanner.capsBeforeTls).toContain('STARTTLS')
  })

  it('accepts a bare greeting, a CAPABILITY exchange, then OK to STARTTLS (LF-only endings too)', () => {
    const scanner = new PreTlsScanner()
    expect(scanner.push(b('* OK ready\n')).anomalies).toEqual([])
    scanner.clientWrote('1 CAPABILITY\r\n')
    expect(scanner.push(b('* CAPABILITY IMAP4rev1 STARTTLS\n1 OK done\n')).anomalies).toEqual([])
    scanner.clientWrote('2 STARTTLS\r\n')
    expect(scanner.push(b('2 OK go\n')).anomalies).toEqual([])
    expect(scanner.readyForHandshake()).toBe(true)
  })

  it('flags a PREAUTH greeting (RFC 2595 §3.1: STARTTLS is impossible afterwards)', () => {
    expect(run(['* PREAUTH welcome']).anomalies).toEqual(['preauth_before_tls'])
  })

  it('treats a BYE greeting as a closed connection, not an attack', () => {
    const { scanner, anomalies } = run(['* BYE too busy'])
    expect(anomalies).toEqual([])
    expect(scanner.finish()).toEqual([])
  })

  it('flags [ALERT] text anywhere before TLS', () => {
    expect(run(['* OK [ALERT] enter your password at evil']).anomalies).toEqual(['untagged_before_tls'])
    expect(run([DOVECOT_GREETING, 'C: 1 STARTTLS', '1 OK [ALERT] hi']).anomalies).toEqual([
      'untagged_before_tls',
    ])
  })

  it.each([
    '* ID ("deep" "tls12 tls-cert")',
    '* 1 EXISTS',
    '* OK [CAPABILITY IMAP4rev1 STARTTLS] second greeting',
    '+ send more',
    'garbage',
    '* LIST () "/" {5}',
  ])('flags the unsolicited pre-TLS line %j', (line) => {
    expect(run([DOVECOT_GREETING, line]).anomalies).toEqual(['untagged_before_tls'])
  })

  it('flags a capability list without STARTTLS as soon as it arrives', () => {
    expect(run(['* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi']).anomalies).toEqual(['starttls_not_offered'])
    expect(run(['* OK hi', 'C: 1 CAPABILITY', '* CAPABILITY IMAP4rev1']).anomalies).toEqual([
      'starttls_not_offered',
    ])
  })

  it('does not call a connection that dropped right after the greeting an attack', () => {
    expect(run(['* OK hi']).scanner.finish()).toEqual([])
  })

  it('flags a session that ends without capabilities and without STARTTLS at finish()', () => {
    const { scanner, anomalies } = run(['* OK hi', 'C: 1 CAPABILITY', '1 NO CAPABILITY failed'])
    expect(anomalies).toEqual([])
    expect(scanner.finish()).toEqual(['starttls_not_offered'])
    expect(scanner.finish()).toEqual([])
  })

  it.each(['NO', 'BAD'])('flags a tagged %s to STARTTLS', (status) => {
    const { scanner, anomalies } = run([DOVECOT_GREETING, 'C: 1 STARTTLS', `1 ${status} not now`])
    expect(anomalies).toEqual(['starttls_refused'])
    expect(scanner.readyForHandshake()).toBe(false)
  })

  it('flags bytes after the STARTTLS OK in the same chunk and in a later chunk', () => {
    const same = new PreTlsScanner()
    same.push(b(`${DOVECOT_GREETING}\r\n`))
    same.clientWrote('1 STARTTLS\r\n')
    expect(same.push(b('1 OK go\r\n* CAPABILITY IMAP4rev1\r\n')).anomalies).toEqual(['bytes_after_starttls'])
    expect(same.readyForHandshake()).toBe(false)

    const later = new PreTlsScanner()
    later.push(b(`${DOVECOT_GREETING}\r\n`))
    later.clientWrote('1 STARTTLS\r\n')
    expect(later.push(b('1 OK go\r\n')).anomalies).toEqual([])
    expect(later.push(b('x')).anomalies).toEqual(['bytes_after_starttls'])
    expect(later.push(b('y')).anomalies).toEqual([])
    expect(later.readyForHandshake()).toBe(false)
  })

  it('reports an over-long unterminated line as a protocol error', () => {
    const scanner = new PreTlsScanner()
    const r = scanner.push(b('*'.repeat(MAX_PRE_TLS_LINE + 1)))
    expect(r.protocolError).toMatch(/longer than/)
    expect(scanner.readyForHandshake()).toBe(false)
  })

  it('reports each anomaly once', () => {
    const { scanner, anomalies } = run([DOVECOT_GREETING, '* 1 EXISTS', '* 2 EXISTS'])
    expect(anomalies).toEqual(['untagged_before_tls'])
    expect(scanner.anomalies).toEqual(['untagged_before_tls'])
  })

  it('never lets an unsolicited CAPABILITY replace the greeting (issue #13, both variants)', () => {
    // After the greeting, before any command.
    const a = run([DOVECOT_GREETING, '* CAPABILITY IDLE'])
    expect(a.anomalies).toEqual(['untagged_before_tls'])
    expect(a.scanner.capsBeforeTls).toContain('STARTTLS')
    expect(a.scanner.evidence.map((e) => e.kind)).toEqual(['CAPABILITY'])
    // In front of the STARTTLS reply, in one segment.
    const s = new PreTlsScanner()
    s.push(b(`${DOVECOT_GREETING}\r\n`))
    s.clientWrote('1 STARTTLS\r\n')
    expect(s.push(b('* CAPABILITY IDLE\r\n1 OK go\r\n')).anomalies).toEqual(['untagged_before_tls'])
    expect(s.capsBeforeTls).toContain('STARTTLS')
    expect(s.readyForHandshake()).toBe(false)
  })

  it('refuses a tagged reply to a command the client has not sent (reorder)', () => {
    const { scanner, anomalies } = run([DOVECOT_GREETING, '1 OK Begin TLS'])
    expect(anomalies).toEqual(['untagged_before_tls'])
    expect(scanner.evidence.map((e) => e.kind)).toEqual(['tagged'])
    scanner.clientWrote('1 STARTTLS\r\n')
    expect(scanner.readyForHandshake()).toBe(false)
  })

  it('keeps the raw bytes of each offending line as evidence, and a kind from the closed list only', () => {
    const { scanner } = run([DOVECOT_GREETING, '* XPWNED <img/src=x>', '* OK [ALERT] call us'])
    expect(scanner.evidence).toEqual([
      { kind: 'line', raw: '* XPWNED <img/src=x>\r\n' },
      { kind: 'ALERT', raw: '* OK [ALERT] call us\r\n' },
    ])
  })

  it('caps lines and bytes before TLS: an endless solicited stream ends as untagged_before_tls', () => {
    const s = new PreTlsScanner()
    s.push(b('* OK hi\r\n'))
    s.clientWrote('1 CAPABILITY\r\n')
    let anomalies: readonly string[] = []
    for (let i = 0; i < 100 && anomalies.length === 0; i++)
      anomalies = s.push(b('* CAPABILITY IMAP4rev1 STARTTLS\r\n')).anomalies
    expect(anomalies).toEqual(['untagged_before_tls'])
    expect(s.evidence.at(-1)?.kind).toBe('overflow')
    const big = new PreTlsScanner()
    big.push(b('* OK hi\r\n'))
    expect(big.push(Buffer.alloc(20_000, 0x41)).anomalies).toEqual(['untagged_before_tls'])
  })
})
