// What the demo servers received, split by phase, and a scan for a secret in any form a mail client
// sends it: raw (IMAP LOGIN, POP3 PASS) or inside base64 (SASL PLAIN/LOGIN, XOAUTH2).
import type { Phase } from '@mua-sts/testing'
import type { DemoEnvironment } from '../src/server/demo-environment.js'

export type WireLog = { readonly server: string; readonly plain: Buffer; readonly tls: Buffer }

/** True if `secret` appears in `bytes` as is, or inside any base64 token. Pure. */
export function carriesSecret(bytes: Buffer, secret: string): boolean {
  const text = bytes.toString('latin1')
  if (text.includes(secret)) return true
  for (const token of text.match(/[A-Za-z0-9+/]{8,}={0,2}/g) ?? []) {
    if (Buffer.from(token, 'base64').toString('latin1').includes(secret)) return true
  }
  return false
}

/** Everything each demo server received so far, per phase ('plain' = before TLS). */
export function wireLogs(demo: DemoEnvironment): WireLog[] {
  const { imaps, imap, evilImaps, smtps, unlistedImaps, unlistedSubmission } = demo.servers
  const imapLog = (server: string, s: typeof imaps): WireLog => {
    const phase = (p: Phase): Buffer =>
      Buffer.concat(s.received.filter((c) => c.phase === p).map((c) => c.bytes))
    return { server, plain: phase('plain'), tls: phase('tls') }
  }
  const smtpLog = (server: string, s: typeof smtps): WireLog => ({
    server,
    plain: s.clientBytes('plain'),
    tls: s.clientBytes('tls'),
  })
  return [
    imapLog('imaps mail.example.test', imaps),
    imapLog('imap+starttls mail.example.test', imap),
    imapLog('imaps evil.example.test', evilImaps),
    smtpLog('smtps smtp.mailhost.test', smtps),
    imapLog('imaps mail.unlisted.test', unlistedImaps),
    smtpLog('submission+starttls mail.unlisted.test', unlistedSubmission),
  ]
}
