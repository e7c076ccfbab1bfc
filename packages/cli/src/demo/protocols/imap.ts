// IMAP in the demo: @mua-sts/testing's fake server as the honest and the attacking server.
import { connectImap } from '@mua-sts/imap'
import { type FakeImapScript, type FakeImapServer, type Pki, startFakeImap } from '@mua-sts/testing'
import {
  type AttackId,
  DEEP_STATUS,
  DEMO_PASS,
  DEMO_USER,
  type DemoServer,
  type GuardContext,
  MESSAGE,
  type ProtocolDemo,
  TLS11_ONLY,
} from '../scenario.js'

const CREDENTIAL_COMMANDS = ['LOGIN', 'AUTHENTICATE']

function wrap(s: FakeImapServer): DemoServer {
  return {
    port: s.port,
    credentialsSeen: () => s.sawAny(CREDENTIAL_COMMANDS),
    inBandLines: () =>
      s
        .commands()
        .filter((c) => c.name === 'ID')
        .map((c) => `ID ${c.args}`),
    close: () => s.close(),
  }
}

function base(pki: Pki, mode: 'implicit' | 'starttls'): FakeImapScript {
  return {
    mode,
    leaf: pki.good,
    user: DEMO_USER,
    pass: DEMO_PASS,
    messages: [MESSAGE],
    id: { name: 'demo-imapd', deep: DEEP_STATUS },
  }
}

function attackScript(pki: Pki, attack: AttackId): FakeImapScript | undefined {
  const starttls = base(pki, 'starttls')
  const implicit = base(pki, 'implicit')
  switch (attack) {
    case 'starttls-stripping':
      return { ...starttls, capsBeforeTls: ['IMAP4rev1', 'ID', 'AUTH=PLAIN'] }
    case 'starttls-injection':
      return {
        ...starttls,
        inject: { data: '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n', when: 'same-segment' },
      }
    case 'preauth':
      return { ...starttls, greeting: 'PREAUTH' }
    case 'tls-downgrade':
      return { ...implicit, tls: TLS11_ONLY }
    case 'other-ca':
      return { ...implicit, leaf: pki.otherCa }
    case 'implicit-to-starttls':
      return starttls
    case 'rekeyed-pinned':
      return { ...implicit, leaf: pki.rekeyed }
  }
}

export const imapDemo: ProtocolDemo = {
  service: 'imap',
  label: 'IMAP',
  startHonest: async (pki, transport) =>
    wrap(await startFakeImap(base(pki, transport === 'implicit-tls' ? 'implicit' : 'starttls'))),
  startAttacker(pki, attack) {
    const script = attackScript(pki, attack)
    return script === undefined ? undefined : startFakeImap(script).then(wrap)
  },
  async use(ctx: GuardContext): Promise<string> {
    const client = await connectImap({ ...ctx, auth: { user: DEMO_USER, pass: DEMO_PASS } })
    try {
      await client.mailboxOpen('INBOX', { readOnly: true })
      const msg = await client.fetchOne('1', { source: true })
      const subject =
        msg === false ? undefined : /^Subject: (.*)$/m.exec(msg.source?.toString('utf8') ?? '')?.[1]
      return `read "${subject?.trim() ?? '(no subject)'}" from INBOX`
    } finally {
      await client.logout()
    }
  },
}
