// SMTP submission in the demo: @mua-sts/testing's fake server, reached through the guarded transport.
import { guardedSmtpTransport } from '@mua-sts/smtp'
import type { FakeSmtpScript, FakeSmtpServer } from '@mua-sts/testing'
import nodemailer from 'nodemailer'
import { loadTesting } from '../load-testing.js'
import { DEEP_STATUS, DEMO_PASS, DEMO_USER, type DemoServer, TLS11_ONLY } from '../scenario.js'
import { type ScriptKit, scriptedProtocol } from '../scripted.js'

function wrap(s: FakeSmtpServer): DemoServer {
  return {
    port: s.port,
    credentialsSeen: () => s.commands.some((c) => c.verb === 'AUTH') || s.logins.length > 0,
    inBandLines: () => s.commands.filter((c) => c.verb === 'CLIENT').map((c) => c.line),
    close: () => s.close(),
  }
}

// No `preauth`: SMTP has no pre-authenticated greeting.
const kit: ScriptKit<FakeSmtpScript> = {
  honest: (pki, mode) => ({
    mode,
    leaf: pki.good,
    ehloAfterTls: ['PIPELINING', 'AUTH PLAIN LOGIN', `DEEP ${DEEP_STATUS}`, '8BITMIME'],
    credentials: { user: DEMO_USER, pass: DEMO_PASS },
  }),
  withLeaf: (s, leaf) => ({ ...s, leaf }),
  tls11Only: (s) => ({ ...s, tls: TLS11_ONLY }),
  stripStartTls: (s) => ({ ...s, ehloBeforeTls: ['PIPELINING', 'AUTH PLAIN LOGIN', '8BITMIME'] }),
  injectAfterStartTls: (s) => ({ ...s, injectAfterStarttls: '250-injected\r\n250 AUTH PLAIN\r\n' }),
}

export const smtpDemo = scriptedProtocol({
  service: 'submission',
  label: 'SMTP',
  kit,
  start: async (script) => (await loadTesting()).FakeSmtpServer.start(script),
  wrap,
  async use(ctx) {
    const transport = nodemailer.createTransport(
      guardedSmtpTransport({ ...ctx, auth: { user: DEMO_USER, pass: DEMO_PASS } }),
    )
    try {
      const info = await transport.sendMail({
        from: DEMO_USER,
        to: 'bob@example.test',
        subject: 'Hi Bob',
        text: 'Sent through the guard.',
      })
      return `sent a message (${info.accepted.length} recipient accepted)`
    } finally {
      transport.close()
    }
  },
})
