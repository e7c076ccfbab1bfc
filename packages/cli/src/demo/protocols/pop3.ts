// POP3 in the demo: @mua-sts/testing's fake server, reached through connectPop3.
import { connectPop3 } from '@mua-sts/pop3'
import type { FakePop3Script, FakePop3Server } from '@mua-sts/testing'
import { loadTesting } from '../load-testing.js'
import { DEEP_STATUS, DEMO_PASS, DEMO_USER, type DemoServer, MESSAGE, TLS11_ONLY } from '../scenario.js'
import { type ScriptKit, scriptedProtocol } from '../scripted.js'

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

// No `preauth`: POP3 has no pre-authenticated greeting.
const kit: ScriptKit<FakePop3Script> = {
  honest: (pki, transport) => ({
    mode: transport === 'implicit-tls' ? 'implicit' : 'starttls',
    leaf: pki.good,
    capaBeforeTls: [...CAPA, 'STLS'],
    capaAfterTls: [...CAPA, `DEEP ${DEEP_STATUS}`],
    accounts: [{ user: DEMO_USER, pass: DEMO_PASS }],
    messages: [{ body: MESSAGE }],
  }),
  withLeaf: (s, leaf) => ({ ...s, leaf }),
  tls11Only: (s) => ({
    ...s,
    tlsMinVersion: TLS11_ONLY.minVersion,
    tlsMaxVersion: TLS11_ONLY.maxVersion,
    ciphers: TLS11_ONLY.ciphers,
  }),
  stripStartTls: (s) => ({ ...s, capaBeforeTls: CAPA }),
  injectAfterStartTls: (s) => ({ ...s, injectAfterStls: '+OK injected\r\n' }),
}

export const pop3Demo = scriptedProtocol({
  service: 'pop3',
  label: 'POP3',
  kit,
  start: async (script) => (await loadTesting()).startFakePop3(script),
  wrap,
  async use(ctx) {
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
})
