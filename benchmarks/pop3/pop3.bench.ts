// connect + TLS + auth + RETR of a 1 MB message + QUIT through connectPop3() vs node-pop3 0.11.0, same
// server, same credentials, same trust (test CA, TLS >= 1.2, chain validation on), a new connection
// per round for both. Implicit TLS only: node-pop3 has no STLS. Interleaved rounds; the row is the
// median ratio guarded/node-pop3. Target (issue #6): ≤ 1.0. The guarded side additionally loads the
// commitment, evaluates twice (handshake and gate), hashes the SPKI, reads CAPA and un-stuffs dots
// while streaming. Also: RETR throughput of each client (RETR command to last byte, same connection
// set-up excluded). Server: a real Dovecot on 127.0.0.1 when available, else the tests' fake server.
import { createCommitment } from '@mua-sts/core'
import { connectPop3 } from '@mua-sts/pop3'
import { MemoryCommitmentStore } from '@mua-sts/store'
import Pop3Command from 'node-pop3'
import { FAKE_PASS, FAKE_USER, startFakePop3 } from '../../test/fakes/pop3-server.js'
import { testPki } from '../../test/support/certs.js'
import { dovecotAvailable, startDovecot } from '../../test/support/dovecot.js'
import { interleave, median } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'

const ROUNDS = 30
const MESSAGE_BYTES = 1024 * 1024

/** A ~1 MB RFC 5322 message with CRLF lines of 78 octets, every 50th starting with a dot. */
function bigMessage(): string {
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
  readonly size: number
  stop(): Promise<void>
}

async function startTarget(message: string): Promise<Target> {
  const leaf = testPki().good
  const size = Buffer.byteLength(message)
  if (dovecotAvailable()) {
    const d = await startDovecot({ leaf })
    await d.deliver(message)
    return {
      name: 'dovecot',
      port: d.ports.pop3s,
      user: d.user,
      pass: d.password,
      size,
      stop: () => d.stop(),
    }
  }
  const fake = await startFakePop3({ mode: 'implicit', leaf, messages: [{ body: message }] })
  return { name: 'fake', port: fake.port, user: FAKE_USER, pass: FAKE_PASS, size, stop: () => fake.close() }
}

async function clients(t: Target) {
  const ca = testPki().caCert
  const store = new MemoryCommitmentStore()
  await store.strengthen(
    createCommitment({
      account: 'bench',
      service: 'pop3',
      host: 'localhost',
      port: t.port,
      transport: 'implicit-tls',
      source: 'setup',
      now: new Date().toISOString(),
    }),
  )
  const retrMs: { guarded: number[]; nodePop3: number[] } = { guarded: [], nodePop3: [] }
  const guarded = async () => {
    const client = await connectPop3({
      account: 'bench',
      store,
      trust: { ca },
      auth: { user: t.user, pass: t.pass },
    })
    const t0 = process.hrtime.bigint()
    let n = 0
    for await (const chunk of await client.retr(1)) n += (chunk as Buffer).length
    retrMs.guarded.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (n !== t.size) throw new Error(`guarded RETR returned ${n} octets, expected ${t.size}`)
    await client.quit()
  }
  const nodePop3 = async () => {
    const client = new Pop3Command({
      user: t.user,
      password: t.pass,
      host: 'localhost',
      port: t.port,
      tls: true,
      servername: 'localhost',
      tlsOptions: { ca, minVersion: 'TLSv1.2', rejectUnauthorized: true },
    })
    await client.STAT() // connect + USER/PASS, so RETR below is timed alone
    const t0 = process.hrtime.bigint()
    const text = await client.RETR(1)
    retrMs.nodePop3.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (text.length < t.size * 0.99) throw new Error(`node-pop3 RETR returned ${text.length} chars`)
    await client.QUIT()
  }
  return { guarded, nodePop3, retrMs }
}

const mbPerSecond = (bytes: number, ms: number): number => bytes / (1024 * 1024) / (ms / 1000)

export default async function run(): Promise<BenchRow[]> {
  const target = await startTarget(bigMessage())
  try {
    const { guarded, nodePop3, retrMs } = await clients(target)
    const r = await interleave(guarded, nodePop3, ROUNDS, 3)
    const where = `implicit TLS, 1 MB, ${target.name}`
    // The first 3 samples of each list come from the warm-up rounds of interleave().
    const g = median(retrMs.guarded.slice(3))
    const b = median(retrMs.nodePop3.slice(3))
    return [
      { name: `pop3 connect+auth+RETR+QUIT connectPop3 (${where})`, value: median(r.a), unit: 'ms' },
      { name: `pop3 connect+auth+RETR+QUIT node-pop3 (${where})`, value: median(r.b), unit: 'ms' },
      {
        name: `pop3 connectPop3/node-pop3 median ratio (${where})`,
        value: r.ratio,
        unit: 'ratio',
        target: '≤ 1.0',
        pass: r.ratio <= 1.0,
      },
      {
        name: `pop3 RETR throughput connectPop3 (${where})`,
        value: mbPerSecond(target.size, g),
        unit: 'MB/s',
      },
      { name: `pop3 RETR throughput node-pop3 (${where})`, value: mbPerSecond(target.size, b), unit: 'MB/s' },
    ]
  } finally {
    await target.stop()
  }
}
