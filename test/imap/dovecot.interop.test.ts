// Interop with a real Dovecot 2.3 on 127.0.0.1: implicit TLS and STARTTLS through the guard, learning
// DEEP latches from Dovecot's real ID response, refusing a swapped certificate before LOGIN (checked in
// Dovecot's own log), and a guarded session doing exactly what a bare imapflow session does.
import { connectImap } from '@mua-sts/imap'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { ACCOUNT, commit, expectRefused, pki } from './harness.js'

const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'
const message = (subject: string) =>
  `From: a@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.test>\r\n\r\nbody of ${subject}\r\n`

async function waitForLog(dovecot: Dovecot, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200 && !pattern.test(dovecot.log()); i++) await new Promise((r) => setTimeout(r, 25))
  return dovecot.log()
}

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('guarded imapflow against Dovecot', () => {
  let dovecot: Dovecot
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good, deepStatus: DEEP })
    await dovecot.deliver(message('first'))
  })
  afterAll(async () => {
    await dovecot?.stop()
  })
  const auth = () => ({ user: dovecot.user, pass: dovecot.password })

  it.each([
    ['implicit-tls', () => dovecot.ports.imaps],
    ['starttls', () => dovecot.ports.imap],
  ] as const)(
    'connects over %s, fetches a delivered message, learns the DEEP latches and logs out',
    async (transport, port) => {
      const setup = await commit(port(), { transport })
      const client = await setup.connect({ auth: auth() })
      const lock = await client.getMailboxLock('INBOX')
      const fetched = await client.fetchOne('1', { envelope: true, source: true })
      lock.release()
      expect(fetched ? fetched.envelope?.subject : undefined).toBe('first')
      await client.logout()

      const stored = await setup.store.get(ACCOUNT, 'imap')
      expect(stored?.latches).toEqual(['tls-cert', 'tls12'])
      expect(stored?.statusUrl?.url).toBe('https://status.example.test/mail')
      expect(setup.reports).toEqual([])
    },
  )
})

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('Dovecot with a swapped certificate', () => {
  let dovecot: Dovecot
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good })
  })
  afterAll(async () => {
    await dovecot?.stop()
  })

  it('refuses the second connection after the server certificate changed to another CA, before LOGIN', async () => {
    const setup = await commit(dovecot.ports.imaps, { transport: 'implicit-tls' })
    const client = await setup.connect({ auth: { user: dovecot.user, pass: dovecot.password } })
    await client.logout()
    const LOGIN = /imap-login: Info: Login: user=</g
    await waitForLog(dovecot, LOGIN)
    const logins = (dovecot.log().match(LOGIN) ?? []).length
    expect(logins).toBe(1)

    await dovecot.swapCertificate(pki.otherCa)
    setup.events.splice(0)
    const report = await expectRefused(
      setup,
      setup.connect({ auth: { user: dovecot.user, pass: dovecot.password } }),
      'certificate_not_trusted',
    )
    expect(report.inBand).toBeNull()
    // Dovecot saw the client drop the connection inside the handshake (our CA does not know the new
    // issuer), with no auth attempt, and no second login.
    const ABORTED = /imap-login: Info: Disconnected: .*no auth attempts.*TLS handshaking: Connection closed/
    const log = await waitForLog(dovecot, ABORTED)
    expect(log).toMatch(ABORTED)
    expect((log.match(LOGIN) ?? []).length).toBe(logins)
    expect(log).not.toMatch(/auth failed/)
  })
})

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))(
  'a guarded session is an ordinary imapflow session',
  () => {
    // One instance per client so both start from the same mailbox state; IDLE notices new mail within 1 s.
    const instances: Dovecot[] = []
    afterAll(async () => {
      await Promise.all(instances.map((d) => d.stop()))
    })

    /** APPEND, FETCH and IDLE (woken by an APPEND on a second connection), summarised without UIDVALIDITY. */
    async function exercise(client: ImapFlow, second: () => Promise<ImapFlow>) {
      const lock = await client.getMailboxLock('INBOX')
      const appended = await client.append('INBOX', message('appended'), ['\\Seen'])
      const fetched: unknown[] = []
      for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true, source: true })) {
        fetched.push({
          seq: m.seq,
          uid: m.uid,
          flags: [...(m.flags ?? [])],
          subject: m.envelope?.subject,
          size: m.source?.length,
        })
      }
      const exists = new Promise<{ count: number; prevCount: number }>((resolve) =>
        client.once('exists', resolve),
      )
      const idling = client.idle()
      const other = await second()
      await other.append('INBOX', message('while-idle'))
      await other.logout()
      const woke = await exists
      lock.release()
      await client.logout() // breaks the IDLE
      await idling
      return { appendedUid: appended ? appended.uid : undefined, fetched, woke }
    }

    it('APPEND, FETCH and IDLE give the same results through the guard as through bare imapflow', async () => {
      const results = []
      for (const guarded of [false, true]) {
        const dovecot = await startDovecot({
          leaf: pki.good,
          extraConfig: 'mailbox_idle_check_interval = 1 secs',
        })
        instances.push(dovecot)
        await dovecot.deliver(message('first'))
        const bareOptions: ImapFlowOptions = {
          host: '127.0.0.1',
          port: dovecot.ports.imaps,
          secure: true,
          tls: { ca: pki.caCert, servername: 'localhost' },
          auth: { user: dovecot.user, pass: dovecot.password },
          logger: false,
          disableAutoIdle: true,
        }
        const bare = async () => {
          const c = new ImapFlow(bareOptions)
          await c.connect()
          return c
        }
        const setup = await commit(dovecot.ports.imaps, { transport: 'implicit-tls' })
        const client = guarded
          ? await connectImap(
              setup.options({ auth: { user: dovecot.user, pass: dovecot.password }, disableAutoIdle: true }),
            )
          : await bare()
        results.push(await exercise(client, bare))
      }
      expect(results[1]).toEqual(results[0])
      expect(results[0]?.woke).toEqual({ path: 'INBOX', count: 3, prevCount: 2 })
    })
  },
)
