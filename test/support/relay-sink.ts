// The SMTP server Dovecot submission relays to (Dovecot's submission service is a proxy, RFC 6409
// §3.1 MSA in front of an MTA). It accepts everything without AUTH or TLS on 127.0.0.1 and records
// each message, so tests can check what a client really submitted through Dovecot.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export type RelayedMessage = { from: string; to: string[]; data: Buffer }

export type RelaySink = { port: number; relayed: RelayedMessage[]; close(): Promise<void> }

/** Starts the sink on 127.0.0.1:<kernel-chosen port>. Does I/O. */
export async function startRelaySink(): Promise<RelaySink> {
  const relayed: RelayedMessage[] = []
  const server = new SMTPServer({
    authOptional: true,
    // Dovecot relays in cleartext on loopback; advertising STARTTLS would make it try to upgrade.
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address
        relayed.push({ from, to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks) })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    relayed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
