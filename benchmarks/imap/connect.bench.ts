// connect + TLS + LOGIN + LOGOUT through connectImap() vs bare imapflow with the same TLS options (test
// CA, servername, TLS >= 1.2, chain validation on), same server, same credentials, a new connection
// per round for both. Interleaved rounds; the row is the median ratio guarded/bare. Target (issue #4):
// ≤ 1.05. The guard adds a commitment load, evaluate(), a SPKI hash and, for STARTTLS, the pre-TLS
// scanner. Server: a real Dovecot on 127.0.0.1 when available, else the tests' fake IMAP server.
// Also: heap per idle connection (N open at once), guarded vs bare.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createCommitment } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, startFakeImap } from '@mua-sts/testing'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'
import { testPki } from '../../test/support/certs.js'
import { dovecotAvailable, startDovecot } from '../../test/support/dovecot.js'
import { interleave, median } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'

const ROUNDS = 40
const IDLE_CONNECTIONS = 50

type Target = {
  readonly name: string
  readonly ports: { readonly 'implicit-tls': number; readonly starttls: number }
  readonly user: string
  readonly pass: string
  stop(): Promise<void>
}

async function startTarget(): Promise<Target> {
  const leaf = testPki().good
  if (dovecotAvailable()) {
    const d = await startDovecot({ leaf })
    return {
      name: 'dovecot',
      ports: { 'implicit-tls': d.ports.imaps, starttls: d.ports.imap },
      user: d.user,
      pass: d.password,
      stop: () => d.stop(),
    }
  }
  const implicit = await startFakeImap({ mode: 'implicit', leaf })
  const starttls = await startFakeImap({ mode: 'starttls', leaf })
  return {
    name: 'fake',
    ports: { 'implicit-tls': implicit.port, starttls: starttls.port },
    user: FAKE_USER,
    pass: FAKE_PASS,
    stop: async () => {
      await Promise.all([implicit.close(), starttls.close()])
    },
  }
}

async function clients(t: Target, transport: 'implicit-tls' | 'starttls') {
  const pki = testPki()
  const port = t.ports[transport]
  const store = new MemoryCommitmentStore()
  const now = new Date().toISOString()
  await store.strengthen(
    createCommitment({
      account: 'bench',
      service: 'imap',
      host: 'localhost',
      port,
      transport,
      source: 'setup',
      now,
    }),
  )
  const auth = { user: t.user, pass: t.pass }
  const implicit = transport === 'implicit-tls'
  const bareOptions: ImapFlowOptions = {
    host: 'localhost',
    port,
    secure: implicit,
    doSTARTTLS: !implicit,
    tls: { ca: pki.caCert, servername: 'localhost', minVersion: 'TLSv1.2', rejectUnauthorized: true },
    auth,
    logger: false,
  }
  return {
    guarded: () => connectImap({ account: 'bench', store, trust: { ca: pki.caCert }, auth }),
    bare: async () => {
      const c = new ImapFlow(bareOptions)
      await c.connect()
      return c
    },
  }
}

/** `global.gc`, exposed on demand (V8 allows turning the flag on at run time for new contexts). */
function collector(): () => void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) return g
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

async function heapPerConnection(open: () => Promise<ImapFlow>): Promise<number> {
  const gc = collector()
  gc()
  const before = process.memoryUsage().heapUsed
  const open_: ImapFlow[] = []
  for (let i = 0; i < IDLE_CONNECTIONS; i++) open_.push(await open())
  gc()
  const after = process.memoryUsage().heapUsed
  await Promise.all(open_.map((c) => c.logout()))
  return (after - before) / IDLE_CONNECTIONS
}

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const target = await startTarget()
  try {
    for (const transport of ['implicit-tls', 'starttls'] as const) {
      const { guarded, bare } = await clients(target, transport)
      const r = await interleave(
        async () => (await guarded()).logout(),
        async () => (await bare()).logout(),
        ROUNDS,
        5,
      )
      const where = `${transport}, ${target.name}`
      rows.push(
        { name: `imap connect+login+logout guarded (${where})`, value: median(r.a), unit: 'ms' },
        { name: `imap connect+login+logout bare imapflow (${where})`, value: median(r.b), unit: 'ms' },
        {
          name: `imap guarded/bare median ratio (${where})`,
          value: r.ratio,
          unit: 'ratio',
          target: '≤ 1.05',
          pass: r.ratio <= 1.05,
        },
      )
      if (transport === 'implicit-tls') {
        // Alternated and repeated: the first batch also pays for lazily compiled code and caches.
        const gs: number[] = []
        const bs: number[] = []
        for (let i = 0; i < 3; i++) {
          gs.push(await heapPerConnection(guarded))
          bs.push(await heapPerConnection(bare))
        }
        const g = median(gs)
        const b = median(bs)
        rows.push(
          { name: `imap heap per idle connection guarded (${target.name})`, value: g / 1024, unit: 'KiB' },
          {
            name: `imap heap per idle connection bare imapflow (${target.name})`,
            value: b / 1024,
            unit: 'KiB',
          },
          {
            name: `imap heap per idle connection guarded - bare (${target.name})`,
            value: (g - b) / 1024,
            unit: 'KiB',
          },
        )
      }
    }
  } finally {
    await target.stop()
  }
  return rows
}
