// connect + TLS + auth + RETR + QUIT through connectPop3() vs node-pop3 0.11.0, same server, same
// credentials, same trust, a new connection per round for both, at 1 KB, 1 MB and 20 MB (issue #17).
// Implicit TLS only: node-pop3 has no STLS. Both arms send the same commands: CAPA, USER, PASS, RETR 1,
// QUIT (issue #17). The guard must send CAPA after TLS (its checks need the capabilities) and is told
// to use USER/PASS; node-pop3 sends the same through its own connect() and command(). node-pop3 frames
// only RETR, TOP, LIST and UIDL as multi-line, so CAPA is added to that list (its own reader then
// collects the capability lines up to the terminator, as it does for RETR). The relay counts the turns
// of each arm, so a table shows at once if they differ: against Dovecot, which lists PIPELINING after
// TLS, the guard sends USER and PASS in one write (RFC 2449 §6.6) and takes one turn fewer; node-pop3
// waits for each reply. The SDK's arm imports the built dist/ (npm run bench builds first). Two trust
// rows: custom CA for both, and system trust (a child trusting the test CA via NODE_EXTRA_CA_CERTS).
// Interleaved rounds; the ratio connectPop3/node-pop3 is within target (≤ 1.0) only if its CI's upper
// bound is.
// Server: a real Dovecot on 127.0.0.1 when available, else the tests' fake server.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createCommitment } from '@mua-sts/core'
import { connectPop3 } from '@mua-sts/pop3'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import Pop3Command from 'node-pop3'
import { FAKE_PASS, FAKE_USER, startFakePop3 } from '../../test/fakes/pop3-server.js'
import { testPki } from '../../test/support/certs.js'
import { dovecotAvailable, startDovecot } from '../../test/support/dovecot.js'
import { AB_ROUNDS, abRows } from '../_util/ab.js'
import { rounds, sizes } from '../_util/quick.js'
import { countTurns } from '../_util/relay.js'
import { inSystemTrust } from '../_util/system-trust.js'
import type { BenchRow } from '../_util/types.js'

/**
 * Sizes and rounds. 1 KB has more rounds, set from the earlier runs' spread: there the two clients differ
 * by the round trip pipelining saves and a little client CPU (under 2 % of a session), while Dovecot's
 * per-session spread makes the per-round ratio vary by about ±7 % (IQR). At n = 200 the 95 % CI is about
 * ±2 % wide and cannot tell the two apart; at n = 1000 about ±0.7 % (docs/benchmarks.md). 20 MB has fewer
 * rounds: node-pop3's quadratic Buffer.concat makes one RETR take seconds.
 */
const SIZES = sizes(
  [
    { label: '1 KB', bytes: 1024, rounds: rounds(1000) },
    { label: '1 MB', bytes: 1024 * 1024, rounds: AB_ROUNDS },
    { label: '20 MB', bytes: 20 * 1024 * 1024, rounds: Math.min(30, AB_ROUNDS) },
  ] as const,
  (s) => s.label,
)

/** An RFC 5322 message of about `MESSAGE_BYTES` with CRLF lines of 78 octets, every 50th starting with a dot. */
export function bigMessage(MESSAGE_BYTES: number): string {
  const head = 'From: a@example.test\r\nTo: alice@example.test\r\nSubject: bench\r\n\r\n'
  const lines: string[] = [head]
  let size = head.length
  for (let i = 0; size < MESSAGE_BYTES; i++) {
    const line = `${i % 50 === 0 ? '.' : 'x'}${'0123456789'.repeat(8).slice(0, 75)}\r\n`
    lines.push(line)
    size += line.length
  }
  return lines.join('')
}

type Target = {
  readonly name: string
  readonly port: number
  readonly user: string
  readonly pass: string
  readonly sizes: readonly number[]
  stop(): Promise<void>
}

/** One server holding one message per size (message n is SIZES[n-1]). */
export async function startTarget(messages: readonly string[]): Promise<Target> {
  const leaf = testPki().good
  const sizes = messages.map((m) => Buffer.byteLength(m))
  if (dovecotAvailable()) {
    const d = await startDovecot({ leaf })
    for (const m of messages) await d.deliver(m)
    return {
      name: 'dovecot',
      port: d.ports.pop3s,
      user: d.user,
      pass: d.password,
      sizes,
      stop: () => d.stop(),
    }
  }
  const fake = await startFakePop3({ mode: 'implicit', leaf, messages: messages.map((body) => ({ body })) })
  return { name: 'fake', port: fake.port, user: FAKE_USER, pass: FAKE_PASS, sizes, stop: () => fake.close() }
}

type Creds = { readonly user: string; readonly pass: string }

/**
 * Makes node-pop3 read CAPA's reply as the multi-line response it is (RFC 2449 §5). Its list of
 * multi-line commands is a module constant (src/constant.js, next to the ESM entry this file imports).
 */
async function teachNodePop3Capa(): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('node-pop3')
  const src = join(dirname(entry), '..', 'src', 'constant.js')
  const constants = (await import(pathToFileURL(src).href)) as { MULTI_LINE_COMMAND_NAME: string[] }
  if (!constants.MULTI_LINE_COMMAND_NAME.includes('CAPA')) constants.MULTI_LINE_COMMAND_NAME.push('CAPA')
}

/** Both arms retrieving message `id` (of `size` octets) on `port`, with `ca` for both or none for both. */
export async function clients(port: number, creds: Creds, ca: string | undefined, id: number, size: number) {
  const store = new MemoryCommitmentStore()
  await store.strengthen(
    createCommitment({
      account: 'bench',
      service: 'pop3',
      host: 'localhost',
      port,
      transport: 'implicit-tls',
      source: 'setup',
      now: new Date().toISOString(),
    }),
  )
  // Configured as an app is: a dispatcher with a report sink (refusals only; no record sink).
  const reports = new ReportDispatcher([callbackSink(() => undefined)])
  const guarded = async () => {
    const client = await connectPop3({
      account: 'bench',
      store,
      reports,
      ...(ca === undefined ? {} : { trust: { ca } }),
      auth: { user: creds.user, pass: creds.pass, mechanism: 'USER' },
    })
    let n = 0
    for await (const chunk of await client.retr(id)) n += (chunk as Buffer).length
    if (n !== size) throw new Error(`guarded RETR returned ${n} octets, expected ${size}`)
    await client.quit()
  }
  await teachNodePop3Capa()
  const nodePop3 = async () => {
    const client = new Pop3Command({
      user: creds.user,
      password: creds.pass,
      host: 'localhost',
      port,
      tls: true,
      servername: 'localhost',
      tlsOptions: { ...(ca === undefined ? {} : { ca }), minVersion: 'TLSv1.2', rejectUnauthorized: true },
    })
    // The guard's sequence: CAPA after TLS, then USER and PASS, then RETR (which sees the session is
    // already open) and QUIT.
    await client.connect()
    const [, capa] = await client.command('CAPA')
    let capaBytes = 0
    for await (const chunk of capa) capaBytes += (chunk as Buffer).length
    if (capaBytes === 0) throw new Error('node-pop3 read no CAPA lines')
    await client.command('USER', creds.user)
    await client.command('PASS', creds.pass)
    const text = await client.RETR(id)
    if (text.length < size * 0.99) throw new Error(`node-pop3 RETR returned ${text.length} chars`)
    await client.QUIT()
  }
  return { guarded, nodePop3 }
}

type Payload = { port: number; user: string; pass: string; name: string; sizes: number[] }

async function rowsFor(p: Payload, ca: string | undefined, trust: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const [i, size] of SIZES.entries()) {
    const id = i + 1
    const octets = p.sizes[i] as number
    const { guarded, nodePop3 } = await clients(p.port, p, ca, id, octets)
    const turns = {
      a: await countTurns(p.port, async (port) => (await clients(port, p, ca, id, octets)).guarded(), 2),
      b: await countTurns(p.port, async (port) => (await clients(port, p, ca, id, octets)).nodePop3(), 2),
    }
    rows.push(
      ...(await abRows({
        label: `pop3 connect+auth+RETR+QUIT (${size.label}, implicit TLS, ${trust}, ${p.name})`,
        aName: 'connectPop3',
        bName: 'node-pop3',
        a: guarded,
        b: nodePop3,
        target: 1.0,
        rounds: size.rounds,
        warmup: 3,
        turns,
      })),
    )
  }
  return rows
}

/** Runs in a child that trusts the test CA through NODE_EXTRA_CA_CERTS (see _util/system-trust.ts). */
export async function systemTrustRows(p: Payload): Promise<BenchRow[]> {
  return rowsFor(p, undefined, 'system trust')
}

export default async function run(): Promise<BenchRow[]> {
  const target = await startTarget(SIZES.map((s) => bigMessage(s.bytes)))
  const ca = testPki().caCert
  const payload: Payload = {
    port: target.port,
    user: target.user,
    pass: target.pass,
    name: target.name,
    sizes: [...target.sizes],
  }
  try {
    return [
      ...(await rowsFor(payload, ca, 'custom CA')),
      ...(await inSystemTrust(ca, import.meta.filename, payload)),
    ]
  } finally {
    await target.stop()
  }
}
