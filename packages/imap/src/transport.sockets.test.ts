// guardedTransport (integration notes §1.3) over real sockets: what it does after the gate let a socket
// through, what a broken cleartext leg or a throwing seam turns into, and what each refusal says.
// In-process servers; the whole client (imapflow on top) is test/imap.
import { once } from 'node:events'
import { createServer as createTcpServer, Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { type Commitment, createCommitment, type Report } from '@mua-sts/core'
import { connectDeadline, Guard } from '@mua-sts/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { loopbackLookup } from '../../../test/setup-probe/fakes.js'
import { testPki } from '../../../test/support/certs.js'
import { MAX_PRE_TLS_LINE } from './pre-tls-scanner.js'
import { ImapSession } from './session.js'
import { GuardRefusal, guardedTransport } from './transport.js'

const pki = testPki()
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  // Last in, first out: sockets before the deadlines and servers they belong to.
  for (const c of cleanups.splice(0).reverse()) await c()
})

function session(
  transport: 'implicit-tls' | 'starttls',
  host: string,
  port: number,
  guardExtra: Record<string, unknown> = {},
  latches: string[] = [],
) {
  const created: Commitment = createCommitment({
    account: 'acct_1',
    service: 'imap',
    host,
    port,
    transport,
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  const commitment: Commitment = { ...created, latches: [...latches].sort() }
  const reports: Report[] = []
  const store = { get: async () => commitment, strengthen: async () => commitment }
  const guard = new Guard(
    {
      account: 'acct_1',
      store,
      reports: { dispatch: (r: Report) => reports.push(r) },
      trust: { ca: pki.caCert, lookup: loopbackLookup },
      ...guardExtra,
    },
    'imap',
    't',
  )
  const deadline = connectDeadline(10_000, { what: 'IMAP' })
  cleanups.push(() => deadline.clear())
  return { s: new ImapSession(guard, commitment, 1000, deadline), reports, deadline }
}

async function listen<S extends import('node:net').Server>(server: S): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise((r) => server.close(r)))
  return (server.address() as { port: number }).port
}

async function tlsServer(): Promise<number> {
  return listen(createTlsServer({ key: pki.good.key, cert: pki.good.cert }, (s) => s.on('error', () => {})))
}

/** An implicit-TLS connection the gate passed; resolves once imapflow would have been handed it. */
async function passed() {
  const port = await tlsServer()
  const { s, reports } = session('implicit-tls', 'mail.example.test', port)
  let proceed!: () => void
  const handed = new Promise<void>((r) => {
    proceed = r
  })
  const socket = guardedTransport(s).connect(
    { host: 'mail.example.test', port, secure: true },
    proceed,
  ) as TLSSocket
  cleanups.push(() => socket.destroy())
  await handed
  return { s, reports, socket }
}

describe('after the gate passed a socket', () => {
  it('no longer judges errors on it as handshake failures', async () => {
    const { s, reports, socket } = await passed()
    socket.emit('error', Object.assign(new Error('bad record mac'), { code: 'ERR_SSL_DECRYPTION_FAILED' }))
    expect(s.failure).toBeUndefined()
    expect(reports).toEqual([])
  })

  it('still swallows a late socket error, so it can never crash the app process', async () => {
    const { socket } = await passed()
    // imapflow is not attached here: the only listener left is guardedTransport's own floor.
    expect(() => socket.emit('error', new Error('late'))).not.toThrow()
  })
})

describe('a check that throws', () => {
  it('fails closed with the seam error itself, not as a connection error', async () => {
    const port = await tlsServer()
    const { s, reports } = session('implicit-tls', 'mail.example.test', port, {
      now: () => {
        throw new Error('clock down')
      },
    })
    const socket = guardedTransport(s).connect({ host: 'mail.example.test', port, secure: true }, () => {
      throw new Error('must not proceed')
    }) as TLSSocket
    await new Promise((r) => socket.once('close', r))
    expect(s.failure).toMatchObject({ code: 'MUASTS_ERR_INTERNAL', message: 'clock down' })
    expect(reports.filter((r) => r.outcome === 'connection_error')).toEqual([])
  })
})

describe('a refusal with an in-band report (mode spec, DEEP -04 §7.1)', () => {
  it('settles the report with what was sent and closes the session once the exchange ended', async () => {
    // A complete handshake with a certificate for another name: refused, and reported over the session.
    const port = await listen(
      createTlsServer({ key: pki.wrongHost.key, cert: pki.wrongHost.cert }, (c) => {
        c.on('error', () => {})
        c.write('* OK [CAPABILITY IMAP4rev1 ID DEEP] hi\r\n')
        c.on('data', (d: Buffer) => {
          for (const l of d
            .toString('latin1')
            .split('\r\n')
            .filter((x) => x !== ''))
            c.write(`${l.split(' ')[0]} OK done\r\n`)
        })
      }),
    )
    const { s, reports } = session('implicit-tls', 'mail.example.test', port, { inBand: 'spec' }, [
      'tls12',
      'tls-cert',
    ])
    const socket = guardedTransport(s).connect({ host: 'mail.example.test', port, secure: true }, () => {
      throw new Error('must not proceed')
    })
    const errors: unknown[] = []
    socket.on('error', (e) => errors.push(e))
    await new Promise((r) => socket.once('close', r))
    // Settled by the transport itself (reading s.failure would settle it too): the report is out, and
    // the socket was destroyed with GuardRefusal so that imapflow rejects connect() at once.
    expect(reports).toHaveLength(1)
    expect(errors).toEqual([expect.any(GuardRefusal)])
    expect(s.failure?.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(reports[0]?.violations.map((v) => v.code)).toEqual(['certificate_host_mismatch'])
    // The report claims exactly the ID line that crossed the session.
    expect(reports[0]?.inBand).toMatchObject({ idFields: { 'latch-fail': 'tls-cert' } })
  })
})

describe('the cleartext leg of STARTTLS', () => {
  it('refuses at the first injected line, with its report, before the socket closes', async () => {
    const port = await listen(
      createTcpServer((c) => {
        c.on('error', () => {})
        c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n* 1 EXISTS\r\n')
      }),
    )
    const { s, reports } = session('starttls', 'mail.example.test', port)
    const socket = guardedTransport(s).connect({ host: 'mail.example.test', port, secure: false }, () => {})
    await new Promise((r) => socket.once('close', r))
    expect(s.failure?.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(reports.map((r) => r.violations.map((v) => v.code))).toEqual([['untagged_before_tls']])
  })

  it('dials through trust.lookup and fails on a pre-TLS line longer than the cap, without a report', async () => {
    const port = await listen(
      createTcpServer((c) => {
        c.on('error', () => {})
        c.write('*'.repeat(MAX_PRE_TLS_LINE + 1))
      }),
    )
    // A name only the injected lookup knows: dialling it at all proves the lookup was used.
    const { s, reports } = session('starttls', 'mail.example.test', port)
    const socket = guardedTransport(s).connect({ host: 'mail.example.test', port, secure: false }, () => {})
    await new Promise((r) => socket.once('close', r))
    expect(s.failure).toMatchObject({
      code: 'MUASTS_ERR_PROTOCOL',
      message: `The IMAP server sent malformed data before TLS (pre-TLS line longer than ${MAX_PRE_TLS_LINE} octets); the connection was closed before any credential was sent.`,
    })
    expect(reports).toEqual([])
  })
})

describe('upgrade()', () => {
  const feed = (s: ImapSession, lines: string) => {
    s.scanner.clientWrote('A1 STARTTLS\r\n')
    return s.scanner.push(Buffer.from(lines, 'latin1'))
  }

  it('enters the handshake phase, and refuses a socket it did not open even after a clean OK', () => {
    const { s, reports, deadline } = session('starttls', 'mail.example.test', 143)
    s.scanner.push(Buffer.from('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n'))
    feed(s, 'A1 OK go\r\n')
    expect(s.scanner.readyForHandshake()).toBe(true)
    const raw = new Socket().on('error', () => undefined)
    const thrown = (() => {
      try {
        guardedTransport(s).upgrade?.(raw, { host: 'mail.example.test', port: 143 }, () => {})
      } catch (e) {
        return e
      }
    })()
    expect(thrown).toBeInstanceOf(GuardRefusal)
    expect(thrown).toMatchObject({
      code: 'MUASTS_GUARD_REFUSED',
      message: 'connection refused by the mua-sts guard',
    })
    expect(deadline.phase).toBe('handshake')
    expect(s.failure).toMatchObject({
      code: 'MUASTS_ERR_INTERNAL',
      message: 'STARTTLS upgrade on a socket the guard did not open',
    })
    expect(raw.destroyed).toBe(true)
    expect(reports).toEqual([])
  })

  it('refuses with the anomalies the scanner saw, as a violation report', () => {
    const { s, reports } = session('starttls', 'mail.example.test', 143)
    s.scanner.push(Buffer.from('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n'))
    expect(feed(s, 'A1 OK go\r\n* CAPABILITY IMAP4rev1\r\n').anomalies).toEqual(['bytes_after_starttls'])
    expect(() =>
      guardedTransport(s).upgrade?.(
        new Socket().on('error', () => undefined),
        { host: 'mail.example.test', port: 143 },
        () => {},
      ),
    ).toThrow(GuardRefusal)
    expect(s.failure?.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(reports.map((r) => r.violations.map((v) => v.code))).toEqual([['bytes_after_starttls']])
  })

  it('says what was out of order when the upgrade came before any STARTTLS OK', () => {
    const { s } = session('starttls', 'mail.example.test', 143)
    expect(() =>
      guardedTransport(s).upgrade?.(
        new Socket().on('error', () => undefined),
        { host: 'mail.example.test', port: 143 },
        () => {},
      ),
    ).toThrow(GuardRefusal)
    expect(s.failure?.message).toBe(
      "The IMAP server's STARTTLS exchange was out of order (upgrade before its OK reply); the connection was closed before any credential was sent.",
    )
  })
})
