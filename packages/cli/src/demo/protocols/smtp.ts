// SMTP submission in the demo: @mua-sts/testing's fake server, reached through the guarded transport.

import { guardedSmtpTransport } from '@mua-sts/smtp'
import { type FakeSmtpScript, FakeSmtpServer, type Pki } from '@mua-sts/testing'
import nodemailer from 'nodemailer'
import {
  type AttackId,
  DEEP_STATUS,
  DEMO_PASS,
  DEMO_USER,
  type DemoServer,
  type GuardContext,
  type ProtocolDemo,
  TLS11_ONLY,
} from '../scenario.js'

const CREDENTIAL_VERBS = new Set(['AUTH'])

function wrap(s: FakeSmtpServer): DemoServer {
  return {
    port: s.port,
    credentialsSeen: () => s.commands.some((c) => CREDENTIAL_VERBS.has(c.verb)) || s.logins.length > 0,
    inBandLines: () => s.commands.filter((c) => c.verb === 'CLIENT').map((c) => c.line),
    close: () => s.close(),
  }
}

function base(pki: Pki, mode: 'implicit-tls' | 'starttls'): FakeSmtpScript {
  return {
    mode,
    leaf: pki.good,
    ehloAfterTls: ['PIPELINING', 'AUTH PLAIN LOGIN', `DEEP ${DEEP_STATUS}`, '8BITMIME'],
    credentials: { user: DEMO_USER, pass: DEMO_PASS },
  }
}

function attackScript(pki: Pki, attack: AttackId): FakeSmtpScript | undefined {
  const starttls = base(pki, 'starttls')
  const implicit = base(pki, 'implicit-tls')
  switch (attack) {
    case 'starttls-stripping':
      return { ...starttls, ehloBeforeTls: ['PIPELINING', 'AUTH PLAIN LOGIN', '8BITMIME'] }
    case 'starttls-injection':
      return { ...starttls, injectAfterStarttls: '250-injected\r\n250 AUTH PLAIN\r\n' }
    case 'preauth':
      return undefined // SMTP has no pre-authenticated greeting
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

export const smtpDemo: ProtocolDemo = {
  service: 'submission',
  label: 'SMTP',
  startHonest: async (pki, transport) => wrap(await FakeSmtpServer.start(base(pki, transport))),
  startAttacker(pki, attack) {
    const script = attackScript(pki, attack)
    return script === undefined ? undefined : FakeSmtpServer.start(script).then(wrap)
  },
  async use(ctx: GuardContext): Promise<string> {
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
}
