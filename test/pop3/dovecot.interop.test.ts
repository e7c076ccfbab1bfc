// Interop with a real Dovecot 2.3 POP3 server on 127.0.0.1: implicit TLS (the 995-style port) and STLS
// (the 110-style port) through connectPop3 with the test CA; a delivered message read back byte-exact
// with STAT, LIST, UIDL and RETR, deleted with DELE + QUIT and gone on the next connection; and a
// swapped certificate refused with a report before any authentication (checked in Dovecot's own log).
// USER and PASS go in one write, since Dovecot lists PIPELINING after TLS (RFC 2449 §6.6).
import { buffer } from 'node:stream/consumers'
import { Pop3Client } from '@mua-sts/pop3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { ACCOUNT, commit, expectRefused, pki } from './harness.js'

// CRLF line ends and a dot-leading line, so RETR has to undo dot-stuffing (RFC 1939 §3) to be exact.
const message = (subject: string) =>
  `From: a@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.test>\r\n\r\nbody of ${subject}\r\n.a line that starts with a dot\r\n..and two\r\nend\r\n`

const count = (log: string, pattern: RegExp): number => (log.match(pattern) ?? []).length

/** Polls Dovecot's log (up to 5 s) until `pattern` occurs at least `times` times; returns the log. */
async function waitForLog(dovecot: Dovecot, pattern: RegExp, times = 1): Promise<string> {
  for (let i = 0; i < 200 && count(dovecot.log(), pattern) < times; i++)
    await new Promise((r) => setTimeout(r, 25))
  return dovecot.log()
}

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('connectPop3 against Dovecot', () => {
  let dovecot: Dovecot
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good })
  })
  afterAll(async () => {
    await dovecot?.stop()
  })
  const auth = () => ({ user: dovecot.user, pass: dovecot.password })

  it.each([
    ['implicit-tls', () => dovecot.ports.pop3s],
    ['starttls', () => dovecot.ports.pop3],
  ] as const)(
    'over %s reads a delivered message byte-exact, deletes it, and finds it gone on reconnect',
    async (transport, port) => {
      const text = message(`pop3-${transport}`)
      await dovecot.deliver(text)
      const setup = await commit(port(), { transport })
      const client = await setup.connect({ auth: auth() })
      const size = Buffer.byteLength(text)
      expect(await client.stat()).toEqual({ count: 1, size })
      expect(await client.list()).toEqual([{ id: 1, size }])
      expect(await client.list(1)).toEqual({ id: 1, size })
      const [entry] = await client.uidl()
      expect(entry?.id).toBe(1)
      expect(entry?.uid).toMatch(/^[\x21-\x7e]{1,70}$/) // RFC 1939 §7
      expect(await client.uidl(1)).toEqual(entry)
      expect((await buffer(await client.retr(1))).toString('latin1')).toBe(text)
      await client.dele(1)
      await client.quit()

      const again = await setup.connect({ auth: auth() })
      expect(await again.stat()).toEqual({ count: 0, size: 0 })
      await again.quit()
      expect(setup.reports).toEqual([])
      expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
    },
  )

  // RFC 2449 §6.6: Dovecot lists PIPELINING after TLS, so a USER/PASS login goes out in one write
  // (issue #17). What Dovecot accepts is the interop question; the fake's tests cover the edge cases.
  it('logs in with USER and PASS in one write, and stays in step after a wrong password', async () => {
    const writes: string[] = []
    const client = await Pop3Client.connect({
      host: 'localhost',
      port: dovecot.ports.pop3s,
      transport: 'implicit-tls',
      tls: { ca: pki.caCert },
      gate: async ({ socket }) => {
        const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean
        socket.write = ((chunk: unknown, ...rest: unknown[]) => {
          writes.push(String(chunk))
          return write(chunk, ...rest)
        }) as typeof socket.write
      },
    })
    expect(client.capabilities.map((c) => c.toUpperCase())).toContain('PIPELINING')
    const wrong = await client
      .login({ user: dovecot.user, pass: 'not-the-password', mechanism: 'USER' })
      .catch((e: unknown) => e)
    expect(wrong).toMatchObject({ code: 'MUASTS_ERR_AUTH_FAILED', step: 'PASS' })
    await client.login({ user: dovecot.user, pass: dovecot.password, mechanism: 'USER' })
    expect(await client.stat()).toMatchObject({ count: expect.any(Number) })
    await client.quit()
    expect(writes.slice(0, 2)).toEqual([
      `USER ${dovecot.user}\r\nPASS not-the-password\r\n`,
      `USER ${dovecot.user}\r\nPASS ${dovecot.password}\r\n`,
    ])
  })
})

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))(
  'Dovecot POP3 with a swapped certificate',
  () => {
    let dovecot: Dovecot
    beforeAll(async () => {
      dovecot = await startDovecot({ leaf: pki.good })
    })
    afterAll(async () => {
      await dovecot?.stop()
    })
    const LOGIN = /pop3-login: Info: Login: user=</g
    // The client hung up inside the TLS handshake (Dovecot's words), before any AUTH/USER.
    const ABORTED = /pop3-login: Info: Disconnected: .*no auth attempts.*TLS handshaking: Connection closed/g

    it.each([
      ['implicit-tls', () => dovecot.ports.pop3s],
      ['starttls', () => dovecot.ports.pop3],
    ] as const)(
      'refuses %s after the certificate changed to another CA, before any AUTH',
      async (transport, port) => {
        await dovecot.swapCertificate(pki.good)
        const setup = await commit(port(), { transport })
        const client = await setup.connect({ auth: { user: dovecot.user, pass: dovecot.password } })
        await client.quit()
        const logins = count(await waitForLog(dovecot, LOGIN), LOGIN)

        await dovecot.swapCertificate(pki.otherCa)
        const aborted = count(dovecot.log(), ABORTED)
        setup.events.splice(0)
        const report = await expectRefused(
          setup,
          setup.connect({ auth: { user: dovecot.user, pass: dovecot.password } }),
          'certificate_not_trusted',
        )
        expect(report.observed?.transport).toBe(transport)
        expect(report.inBand).toBeNull()
        const log = await waitForLog(dovecot, ABORTED, aborted + 1)
        expect(count(log, ABORTED)).toBe(aborted + 1)
        expect(count(log, LOGIN)).toBe(logins)
        expect(log).not.toMatch(/pop3-login: .*auth failed/)
      },
    )
  },
)
