// POP3 in the demo: @mua-sts/testing's fake server, reached through connectPop3.
import { connectPop3 } from '@mua-sts/pop3'
import { type FakePop3Script, type FakePop3Server, type Pki, startFakePop3 } from '@mua-sts/testing'
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

const CAPA = ['TOP', 'UIDL', 'RESP-CODES', 'SASL PLAIN', 'USER']

function wrap(s: FakePop3Server): DemoServer {
  // POP3 has no in-band reporting (DEEP -04 §7.2), so there are never in-band lines.
  return {
    port: s.port,
    credentialsSeen: () => s.sawCredentials(),
    inBandLines: () => [],
    close: () => s.close(),
  }
}

function base(pki: Pki, mode: 'implicit' | 'starttls'): FakePop3Script {
  return {
    mode,
    leaf: pki.good,
    capaBeforeTls: [...CAPA, 'STLS'],
    capaAfterTls: [...CAPA, `DEEP ${DEEP_STATUS}`],
    accounts: [{ user: DEMO_USER, pass: DEMO_PASS }],
    messages: [{ body: MESSAGE }],
  }
}

function attackScript(pki: Pki, attack: AttackId): FakePop3Script | undefined {
  const starttls = base(pki, 'starttls')
  const implicit = base(pki, 'implicit')
  switch (attack) {
    case 'starttls-stripping':
      return { ...starttls, capaBeforeTls: CAPA }
    case 'starttls-injection':
      return { ...starttls, injectAfterStls: '+OK injected\r\n' }
    case 'preauth':
      return undefined // POP3 has no pre-authenticated greeting
    case 'tls-downgrade':
      return {
        ...implicit,
        tlsMinVersion: TLS11_ONLY.minVersion,
        tlsMaxVersion: TLS11_ONLY.maxVersion,
        ciphers: TLS11_ONLY.ciphers,
      }
    case 'other-ca':
      return { ...implicit, leaf: pki.otherCa }
    case 'implicit-to-starttls':
      return starttls
    case 'rekeyed-pinned':
      return { ...implicit, leaf: pki.rekeyed }
  }
}

export const pop3Demo: ProtocolDemo = {
  service: 'pop3',
  label: 'POP3',
  startHonest: async (pki, transport) =>
    wrap(await startFakePop3(base(pki, transport === 'implicit-tls' ? 'implicit' : 'starttls'))),
  startAttacker(pki, attack) {
    const script = attackScript(pki, attack)
    return script === undefined ? undefined : startFakePop3(script).then(wrap)
  },
  async use(ctx: GuardContext): Promise<string> {
    const client = await connectPop3({ ...ctx, auth: { user: DEMO_USER, pass: DEMO_PASS } })
    try {
      const { count } = await client.stat()
      const chunks: Buffer[] = []
      for await (const chunk of await client.retr(1)) chunks.push(chunk as Buffer)
      const subject = /^Subject: (.*)$/m.exec(Buffer.concat(chunks).toString('utf8'))?.[1]?.trim()
      return `${count} message(s), retrieved "${subject ?? '(no subject)'}"`
    } finally {
      await client.quit()
    }
  },
}
