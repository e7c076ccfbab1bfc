// sendMail() of a 10 KB message through the guarded transport vs bare nodemailer: same server, same
// trust, same credentials, a new connection per message for both (issue #5 target: ≤ 1.05, judged on
// the CI's upper bound). Issue #17: the no-DEEP rows run against a real Dovecot submission service where
// one is installed (else the tests' hand-rolled server, which answers in microseconds; smtp-server
// would add its fixed 100 ms greeting delay), with a custom CA for both arms and, in a child process,
// with system trust for both. One more row runs against a server that advertises DEEP, where the guard
// may need a turn more. The relay-counted round trips per connection are printed next to each timing:
// with no DEEP/MSTS advertised the guarded transport should cost exactly the turns bare nodemailer does.
import { createCommitment } from '@mua-sts/core'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FakeSmtpServer } from '@mua-sts/testing'
import { createTransport, type Transporter } from 'nodemailer'
import { testPki } from '../../test/support/certs.js'
import { dovecotAvailable, startDovecot } from '../../test/support/dovecot.js'
import { abRows } from '../_util/ab.js'
import { countTurns } from '../_util/relay.js'
import { inSystemTrust } from '../_util/system-trust.js'
import type { BenchRow } from '../_util/types.js'

const FAKE_USER = 'alice@example.test'
const FAKE_PASS = 'bench-password'
type Transport = 'implicit-tls' | 'starttls'
type Creds = { readonly user: string; readonly pass: string }

function message(from: string) {
  return {
    from,
    to: 'bob@example.test',
    subject: 'benchmark',
    text: `${'0123456789abcdef'.repeat(4)}\r\n`.repeat(154), // 10,164 octets of body
  }
}

async function pair(transport: Transport, port: number, creds: Creds, ca: string | undefined, pool = false) {
  const store = new MemoryCommitmentStore()
  await store.strengthen(
    createCommitment({
      account: 'bench',
      service: 'submission',
      host: 'localhost',
      port,
      transport,
      source: 'setup',
      now: new Date().toISOString(),
    }),
  )
  const pooled = pool ? { pool: true, maxConnections: 1, maxMessages: 100_000 } : {}
  const guarded: Transporter = createTransport(
    guardedSmtpTransport({
      account: 'bench',
      store,
      ...(ca === undefined ? {} : { trust: { ca } }),
      auth: { user: creds.user, pass: creds.pass },
      ...pooled,
    }),
  )
  const bare: Transporter = createTransport({
    host: 'localhost',
    port,
    secure: transport === 'implicit-tls',
    requireTLS: transport === 'starttls',
    tls: { ...(ca === undefined ? {} : { ca }), servername: 'localhost', minVersion: 'TLSv1.2' },
    auth: { user: creds.user, pass: creds.pass },
    ...pooled,
  })
  return { guarded, bare }
}

async function abFor(
  transport: Transport,
  port: number,
  creds: Creds,
  ca: string | undefined,
  where: string,
) {
  const mail = message(creds.user)
  const { guarded, bare } = await pair(transport, port, creds, ca)
  const once = (arm: 'guarded' | 'bare') => async (p: number) =>
    (await pair(transport, p, creds, ca))[arm].sendMail(mail)
  const turns = { a: await countTurns(port, once('guarded')), b: await countTurns(port, once('bare')) }
  return abRows({
    label: `smtp sendMail 10 KB (${where})`,
    aName: 'guarded',
    bName: 'bare nodemailer',
    a: () => guarded.sendMail(mail),
    b: () => bare.sendMail(mail),
    target: 1.05,
    warmup: 20,
    turns,
  })
}

type Payload = { ports: Record<Transport, number>; user: string; pass: string; name: string }

/** The no-DEEP rows for both transports with one trust configuration. */
async function plainRows(p: Payload, ca: string | undefined, trust: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const transport of ['implicit-tls', 'starttls'] as const) {
    rows.push(
      ...(await abFor(transport, p.ports[transport], p, ca, `${transport}, ${trust}, ${p.name}, no DEEP`)),
    )
  }
  return rows
}

/** Runs in a child that trusts the test CA through NODE_EXTRA_CA_CERTS (see _util/system-trust.ts). */
export async function systemTrustRows(p: Payload): Promise<BenchRow[]> {
  return plainRows(p, undefined, 'system trust')
}

async function noDeepTarget(): Promise<Payload & { stop(): Promise<void> }> {
  const leaf = testPki().good
  if (dovecotAvailable()) {
    const d = await startDovecot({ leaf })
    const ports = { 'implicit-tls': d.ports.submissions, starttls: d.ports.submission }
    return { ports, user: d.user, pass: d.password, name: 'dovecot submission', stop: () => d.stop() }
  }
  const credentials = { user: FAKE_USER, pass: FAKE_PASS }
  const implicit = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf, credentials })
  const starttls = await FakeSmtpServer.start({ mode: 'starttls', leaf, credentials })
  return {
    ports: { 'implicit-tls': implicit.port, starttls: starttls.port },
    ...credentials,
    name: 'in-process fake',
    stop: async () => {
      await implicit.close()
      await starttls.close()
    },
  }
}

export default async function run(): Promise<BenchRow[]> {
  const ca = testPki().caCert
  const rows: BenchRow[] = []
  const target = await noDeepTarget()
  try {
    rows.push(...(await plainRows(target, ca, 'custom CA')))
    const { stop: _stop, ...payload } = target
    rows.push(...(await inSystemTrust(ca, import.meta.filename, payload)))
  } finally {
    await target.stop()
  }
  const credentials = { user: FAKE_USER, pass: FAKE_PASS }
  const leaf = testPki().good
  // A server that advertises DEEP after TLS: the guard may spend a turn on what it has to report.
  const deep = await FakeSmtpServer.start({
    mode: 'implicit-tls',
    leaf,
    credentials,
    ehloAfterTls: ['PIPELINING', 'SIZE 10240000', 'AUTH PLAIN LOGIN', 'DEEP tls12 tls-cert'],
  })
  try {
    rows.push(
      ...(await abFor(
        'implicit-tls',
        deep.port,
        credentials,
        ca,
        'implicit-tls, custom CA, in-process fake, DEEP advertised',
      )),
    )
  } finally {
    await deep.close()
  }
  // Pooled: both keep one authenticated session, so this is the per-message cost once the guard passed.
  const server = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf, credentials })
  try {
    const { guarded, bare } = await pair('implicit-tls', server.port, credentials, ca, true)
    const mail = message(FAKE_USER)
    rows.push(
      ...(await abRows({
        label: 'smtp sendMail 10 KB (pooled, custom CA, in-process fake)',
        aName: 'guarded',
        bName: 'bare nodemailer',
        a: () => guarded.sendMail(mail),
        b: () => bare.sendMail(mail),
        warmup: 20,
      })),
    )
    guarded.close()
    bare.close()
  } finally {
    await server.close()
  }
  return rows
}
