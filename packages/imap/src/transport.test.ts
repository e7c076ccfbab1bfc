import { Socket } from 'node:net'
import { createCommitment, isSdkError, type Report } from '@mua-sts/core'
import { Guard } from '@mua-sts/transport'
import { describe, expect, it } from 'vitest'
import { ImapSession } from './session.js'
import { GuardRefusal, guardedTransport } from './transport.js'

function session(transport: 'implicit-tls' | 'starttls') {
  const commitment = createCommitment({
    account: 'acct_1',
    service: 'imap',
    host: 'imap.example.test',
    port: 993,
    transport,
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  const reports: Report[] = []
  const store = { get: async () => commitment, strengthen: async () => commitment }
  const guard = new Guard(
    { account: 'acct_1', store, reports: { dispatch: (r: Report) => reports.push(r) } },
    'imap',
    't',
  )
  return { s: new ImapSession(guard, commitment, 1000), reports }
}

describe('guardedTransport', () => {
  it('refuses a STARTTLS upgrade on an implicit-TLS commitment (RFC 8314 §3), reporting the downgrade', () => {
    const { s, reports } = session('implicit-tls')
    const raw = new Socket().on('error', () => undefined)
    let secured = false
    expect(() =>
      guardedTransport(s).upgrade?.(raw, { host: 'imap.example.test', port: 993 }, () => {
        secured = true
      }),
    ).toThrow(GuardRefusal)
    expect(secured).toBe(false)
    expect(raw.destroyed).toBe(true)
    expect(isSdkError(s.failure, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
    expect(reports.map((r) => r.violations.map((v) => v.code))).toEqual([['implicit_tls_downgraded']])
  })

  it('refuses an upgrade whose STARTTLS OK it never saw', () => {
    const { s, reports } = session('starttls')
    expect(() =>
      guardedTransport(s).upgrade?.(
        new Socket().on('error', () => undefined),
        { host: 'imap.example.test', port: 993 },
        () => {},
      ),
    ).toThrow(GuardRefusal)
    expect(s.failure?.code).toBe('MUASTS_ERR_PROTOCOL')
    expect(reports).toEqual([])
  })

  it.each([
    [{ host: 'imap.example.test', port: 993, secure: false }, 'the wrong mode'],
    [{ host: 'evil.example', port: 993, secure: true }, 'another host'],
    [{ host: 'imap.example.test', port: 994, secure: true }, 'another port'],
  ])('refuses to connect to %j (%s)', (options) => {
    const { s } = session('implicit-tls')
    expect(() => guardedTransport(s).connect(options, () => {})).toThrow(
      /destination other than the commitment/,
    )
  })
})
