// The smallest program that pins an IMAP account and connects through the guard.
//   MUA_STS_HOST=imap.example.net MUA_STS_USER=alice@example.net MUA_STS_PASS=… pnpm start
// Optional: MUA_STS_PORT (993), MUA_STS_CA (PEM file of an extra trust anchor), MUA_STS_STORE (directory).
import { readFileSync } from 'node:fs'
import { createCommitment, isSdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { FileStore } from '@mua-sts/store'

export type BasicOptions = {
  host: string
  port?: number
  user: string
  pass: string
  ca?: string
  storeDir?: string
  log?: (line: string) => void
}

/** Pins implicit TLS to host:port (if not pinned yet), connects, counts INBOX messages, logs out. */
export async function main(o: BasicOptions): Promise<number> {
  const log = o.log ?? console.log
  const account = 'acct_example' // an opaque reference, never the user name
  // FileStore keeps the commitment HMAC-protected, with its key in the OS keychain (keytar).
  const store = await FileStore.open(o.storeDir === undefined ? {} : { dir: o.storeDir })
  if ((await store.get(account, 'imap')) === undefined) {
    await store.strengthen(
      createCommitment({
        account,
        service: 'imap',
        host: o.host,
        port: o.port ?? 993,
        transport: 'implicit-tls',
        source: 'setup',
        now: new Date().toISOString(),
      }),
    )
    log(`pinned imap ${o.host}:${o.port ?? 993} (implicit TLS, TLS >= 1.2, PKIX + RFC 7817)`)
  }
  const reports = new ReportDispatcher([callbackSink((e) => log(`REFUSED: ${e.explanations.join(' ')}`))])
  try {
    const client = await connectImap({
      account,
      store,
      reports,
      auth: { user: o.user, pass: o.pass },
      ...(o.ca === undefined ? {} : { trust: { ca: o.ca } }),
    })
    const inbox = await client.mailboxOpen('INBOX', { readOnly: true })
    log(
      `INBOX has ${inbox.exists} message(s); latches now: ${client.commitment.latches.join(' ') || '(none)'}`,
    )
    await client.logout()
    return 0
  } catch (error) {
    if (isSdkError(error)) {
      log(`${error.code}: ${error.message}`)
      return 1
    }
    throw error
  }
}

if (process.argv[1]?.endsWith('main.ts')) {
  const env = process.env
  const required = (name: string): string => {
    const v = env[name]
    if (v === undefined || v === '') throw new Error(`set ${name}`)
    return v
  }
  process.exitCode = await main({
    host: required('MUA_STS_HOST'),
    user: required('MUA_STS_USER'),
    pass: required('MUA_STS_PASS'),
    ...(env['MUA_STS_PORT'] ? { port: Number(env['MUA_STS_PORT']) } : {}),
    ...(env['MUA_STS_CA'] ? { ca: readFileSync(env['MUA_STS_CA'], 'utf8') } : {}),
    ...(env['MUA_STS_STORE'] ? { storeDir: env['MUA_STS_STORE'] } : {}),
  })
}
