// A compliant server: the guarded client behaves like imapflow, checks before the first post-TLS byte,
// and sends ID (with the DEEP -04 §7.1 latch / security-tags fields) over TLS before LOGIN.
import { parseIdParams } from '@mua-sts/core'
import { FAKE_PASS, type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { commit, pki } from './harness.js'

const MESSAGE = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nbody\r\n'

describe('a guarded connection to a compliant server', () => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })

  it.each(['starttls', 'implicit-tls'] as const)(
    'over %s sends ID then LOGIN only over TLS, and the app can select and fetch',
    async (transport) => {
      server = await startFakeImap({
        mode: transport === 'starttls' ? 'starttls' : 'implicit',
        leaf: pki.good,
        messages: [MESSAGE],
        capsAfterTls: ['IMAP4rev1', 'ID', 'DEEP', 'AUTH=PLAIN'],
      })
      const setup = await commit(server.port, { transport, latches: ['tls-cert'] })
      const client = await setup.connect()
      expect(client.usable).toBe(true)
      const mailbox = await client.mailboxOpen('INBOX')
      expect(mailbox.exists).toBe(1)
      const message = await client.fetchOne('1', { source: true, uid: true })
      expect(message ? message.source?.toString() : undefined).toBe(MESSAGE)
      await client.logout()

      const names = server.commands().map((c) => `${c.phase}:${c.name}`)
      const tlsStart = names.findIndex((n) => n.startsWith('tls:'))
      expect(names.slice(0, tlsStart).every((n) => /^plain:(CAPABILITY|STARTTLS)$/.test(n))).toBe(true)
      expect(names.indexOf('tls:ID')).toBeLessThan(names.indexOf('tls:AUTHENTICATE'))
      expect(server.sawBytes(FAKE_PASS, 'plain')).toBe(false)
      const id = server.commands().find((c) => c.name === 'ID')
      const fields = parseIdParams(id?.args ?? '')
      expect(fields.ok && fields.value).toEqual({
        name: 'mua-sts',
        version: expect.any(String),
        latch: 'tls-cert',
        'security-tags': 'tls11 tls12',
      })
      expect(setup.reports).toEqual([])
      // The security record of this connection (issue #14).
      expect(client.security).toMatchObject({
        outcome: 'passed',
        service: 'imap',
        endpoint: { port: server.port, transport },
        remoteAddress: '127.0.0.1',
        tls: { version: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_/), group: expect.any(String) },
        certificate: {
          spkiSha256: pki.good.spki,
          issuer: expect.stringContaining('CN='),
          chainTrusted: true,
        },
        dane: { status: 'not_checked' },
        checked: { latches: ['tls-cert'], pinned: false },
      })
    },
  )

  it('sends no DEEP fields to a server that lists ID but not DEEP', async () => {
    server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    const setup = await commit(server.port, { transport: 'implicit-tls', latches: ['tls-cert'] })
    const client = await setup.connect()
    await client.logout()
    const id = server.commands().find((c) => c.name === 'ID')
    const fields = parseIdParams(id?.args ?? '')
    expect(fields.ok && fields.value).toEqual({ name: 'mua-sts', version: expect.any(String) })
  })

  it('sends no ID at all to a server that does not list ID', async () => {
    server = await startFakeImap({
      mode: 'implicit',
      leaf: pki.good,
      capsAfterTls: ['IMAP4rev1', 'DEEP', 'AUTH=PLAIN'],
    })
    const setup = await commit(server.port, { transport: 'implicit-tls', latches: ['tls-cert'] })
    const client = await setup.connect()
    await client.logout()
    expect(server.sawAny(['ID'])).toBe(false)
  })

  it('sends no name or version in ID when client is null (DEEP -04 §12 privacy)', async () => {
    server = await startFakeImap({
      mode: 'implicit',
      leaf: pki.good,
      capsAfterTls: ['IMAP4rev1', 'ID', 'DEEP', 'AUTH=PLAIN'],
    })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect({ client: null })
    await client.logout()
    const id = server.commands().find((c) => c.name === 'ID')
    const fields = parseIdParams(id?.args ?? '')
    expect(fields.ok && fields.value).toEqual({ 'security-tags': 'tls11 tls12 tls-cert' })
  })
})
