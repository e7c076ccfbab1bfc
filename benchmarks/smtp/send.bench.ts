// sendMail() of a 10 KB message through the guarded transport vs bare nodemailer: same local server,
// same TLS options (test CA, servername, TLS >= 1.2), same credentials, a new connection per message
// for both. Interleaved rounds; the row is the median ratio guarded/bare. Target (issue #5): ≤ 1.05;
// the guard adds a commitment load, evaluate(), a SPKI hash and, for STARTTLS, its own cleartext step.
// The server is the tests' hand-rolled one, not smtp-server: smtp-server waits a fixed 100 ms before
// every greeting (its "early talker" check), which would hide any overhead in the ratio.
import { createCommitment } from '@mua-sts/core'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FakeSmtpServer } from '@mua-sts/testing'
import { createTransport, type Transporter } from 'nodemailer'
import { testPki } from '../../test/support/certs.js'
import { interleave, median } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'

const USER = 'alice@example.test'
const PASS = 'bench-password'
const MESSAGE = {
  from: USER,
  to: 'bob@example.test',
  subject: 'benchmark',
  text: `${'0123456789abcdef'.repeat(4)}\r\n`.repeat(154), // 10,164 octets of body
}

function startServer(mode: 'implicit-tls' | 'starttls'): Promise<FakeSmtpServer> {
  return FakeSmtpServer.start({ mode, leaf: testPki().good, credentials: { user: USER, pass: PASS } })
}

async function pair(transport: 'implicit-tls' | 'starttls', port: number, pool = false) {
  const pki = testPki()
  const store = new MemoryCommitmentStore()
  const now = new Date().toISOString()
  await store.strengthen(
    createCommitment({
      account: 'bench',
      service: 'submission',
      host: 'localhost',
      port,
      transport,
      source: 'setup',
      now,
    }),
  )
  const guarded: Transporter = createTransport(
    guardedSmtpTransport({
      account: 'bench',
      store,
      trust: { ca: pki.caCert },
      auth: { user: USER, pass: PASS },
      ...(pool ? { pool: true, maxConnections: 1, maxMessages: 100_000 } : {}),
    }),
  )
  const bare: Transporter = createTransport({
    host: 'localhost',
    port,
    secure: transport === 'implicit-tls',
    requireTLS: transport === 'starttls',
    tls: { ca: pki.caCert, servername: 'localhost', minVersion: 'TLSv1.2' },
    auth: { user: USER, pass: PASS },
    ...(pool ? { pool: true, maxConnections: 1, maxMessages: 100_000 } : {}),
  })
  return { guarded, bare }
}

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const transport of ['implicit-tls', 'starttls'] as const) {
    const server = await startServer(transport)
    try {
      const { guarded, bare } = await pair(transport, server.port)
      const r = await interleave(
        () => guarded.sendMail(MESSAGE),
        () => bare.sendMail(MESSAGE),
        150,
        40,
      )
      rows.push({ name: `smtp sendMail 10 KB, ${transport}: bare median`, value: median(r.b), unit: 'ms' })
      rows.push({ name: `smtp sendMail 10 KB, ${transport}: guarded median`, value: median(r.a), unit: 'ms' })
      rows.push({
        name: `smtp sendMail 10 KB, ${transport}: guarded/bare median ratio`,
        value: r.ratio,
        unit: 'ratio',
        target: '≤ 1.05',
        pass: r.ratio <= 1.05,
      })
    } finally {
      await server.close()
    }
  }
  // Pooled: both keep one authenticated session, so this is the per-message cost once the guard passed.
  const server = await startServer('implicit-tls')
  try {
    const { guarded, bare } = await pair('implicit-tls', server.port, true)
    const r = await interleave(
      () => guarded.sendMail(MESSAGE),
      () => bare.sendMail(MESSAGE),
      150,
      40,
    )
    guarded.close()
    bare.close()
    rows.push({
      name: 'smtp sendMail 10 KB, pooled: guarded/bare median ratio',
      value: r.ratio,
      unit: 'ratio',
    })
  } finally {
    await server.close()
  }
  return rows
}
