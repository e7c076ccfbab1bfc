import { once } from 'node:events'
import { Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { createCommitment, isSdkError, type Report } from '@mua-sts/core'
import { connectDeadline, Guard } from '@mua-sts/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../../../test/support/certs.js'
import { ImapSession } from './session.js'
import { GuardRefusal, guardedTransport } from './transport.js'

function session(transport: 'implicit-tls' | 'starttls', host = 'imap.example.test', port = 993) {
  const commitment = createCommitment({
    account: 'acct_1',
    service: 'imap',
    host,
    port,
    transport,
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  const reports: Report[] = []
  const store = { get: async () => commitment, strengthen: async () => commitment }
  const guard = new Guard(
    {
      account: 'acct_1',
      store,
      reports: { dispatch: (r: Report) => reports.push(r) },
      trust: { ca: testPki().caCert },
    },
    'imap',
    't',
  )
  const deadline = connectDeadline(10_000, { what: 'IMAP' })
  deadlines.push(deadline)
  return { s: new ImapSession(guard, commitment, 1000, deadline), reports }
}

const deadlines: Array<ReturnType<typeof connectDeadline>> = []
afterEach(() => {
  for (const d of deadlines.splice(0)) d.clear()
})

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

  it('turns a TLS socket that closed before getCipher() into a connection error, not a crash', async () => {
    const pki = testPki()
    const server = createTlsServer({ key: pki.good.key, cert: pki.good.cert }, (sock) =>
      sock.on('error', () => {}),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    try {
      const { s, reports } = session('implicit-tls', 'localhost', port)
      const socket = guardedTransport(s).connect({ host: 'localhost', port, secure: true }, () => {
        throw new Error('must not proceed')
      }) as import('node:tls').TLSSocket
      // Runs before the gate's listener: the socket is gone by the time the guard reads its cipher.
      socket.prependOnceListener('secureConnect', () => socket.destroy())
      await new Promise((r) => socket.once('close', r))
      expect(s.failure).toMatchObject({ code: 'MUASTS_ERR_CONNECTION', details: { phase: 'check' } })
      expect(reports).toHaveLength(1)
      expect(reports[0]).toMatchObject({ outcome: 'connection_error', failure: { phase: 'check' } })
    } finally {
      server.close()
    }
  })
})
