// IMAP in the demo: @mua-sts/testing's fake server as the honest and the attacking server.
import { connectImap } from '@mua-sts/imap'
import type { FakeImapScript, FakeImapServer } from '@mua-sts/testing'
import { loadTesting } from '../load-testing.js'
import { DEEP_STATUS, DEMO_PASS, DEMO_USER, type DemoServer, MESSAGE, TLS11_ONLY } from '../scenario.js'
import { type ScriptKit, scriptedProtocol } from '../scripted.js'

function wrap(s: FakeImapServer): DemoServer {
  return {
    port: s.port,
    credentialsSeen: () => s.sawAny(['LOGIN', 'AUTHENTICATE']),
    inBandLines: () =>
      s
        .commands()
        .filter((c) => c.name === 'ID')
        .map((c) => `ID ${c.args}`),
    close: () => s.close(),
  }
}

const kit: ScriptKit<FakeImapScript> = {
  honest: (pki, transport) => ({
    mode: transport === 'implicit-tls' ? 'implicit' : 'starttls',
    leaf: pki.good,
    user: DEMO_USER,
    pass: DEMO_PASS,
    messages: [MESSAGE],
    id: { name: 'demo-imapd', deep: DEEP_STATUS },
    // A DEEP server lists DEEP beside ID after TLS: only then does the client send DEEP fields.
    capsAfterTls: ['IMAP4rev1', 'ID', 'DEEP', 'AUTH=PLAIN'],
  }),
  withLeaf: (s, leaf) => ({ ...s, leaf }),
  tls11Only: (s) => ({ ...s, tls: TLS11_ONLY }),
  stripStartTls: (s) => ({ ...s, capsBeforeTls: ['IMAP4rev1', 'ID', 'AUTH=PLAIN'] }),
  injectAfterStartTls: (s) => ({
    ...s,
    inject: { data: '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n', when: 'same-segment' },
  }),
  preauth: (s) => ({ ...s, greeting: 'PREAUTH' }),
}

export const imapDemo = scriptedProtocol({
  service: 'imap',
  label: 'IMAP',
  kit,
  start: async (script) => (await loadTesting()).startFakeImap(script),
  wrap,
  async use(ctx) {
    const client = await connectImap({ ...ctx, auth: { user: DEMO_USER, pass: DEMO_PASS } })
    try {
      await client.mailboxOpen('INBOX', { readOnly: true })
      const msg = await client.fetchOne('1', { source: true })
      const source = msg === false ? '' : (msg.source?.toString('utf8') ?? '')
      const subject = /^Subject: (.*)$/m.exec(source)?.[1]?.trim()
      return `read "${subject ?? '(no subject)'}" from INBOX`
    } finally {
      await client.logout()
    }
  },
})
