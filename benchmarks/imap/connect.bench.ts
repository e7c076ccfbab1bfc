// connect + TLS + LOGIN + LOGOUT through connectImap() vs bare imapflow with the same TLS options
// (servername, TLS >= 1.2, chain validation on), same server, same credentials, a new connection per
// round for both. Two trust rows (issue #17): a custom CA passed to both arms (`trust.ca` / `tls.ca`),
// and system trust (no CA option on either side; a child process trusts the test CA through
// NODE_EXTRA_CA_CERTS). n = 200 interleaved rounds; the ratio guarded/bare is within target (issue #4:
// ≤ 1.05) only if its bootstrap CI's upper bound is. Round trips per connection are counted by a relay. The guard adds a commitment load, evaluate(), a SPKI hash and, for STARTTLS, the pre-TLS
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
import { abRows } from '../_util/ab.js'
import { median } from '../_util/measure.js'
import { countTurns } from '../_util/relay.js'
import { inSystemTrust } from '../_util/system-trust.js'
import type { BenchRow } from '../_util/types.js'

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

type Creds = { readonly user: string; readonly pass: string }

/** Both arms for `port`, with the same trust: `ca` for both, or none for both (system roots). */
async function clients(
  port: number,
  transport: 'implicit-tls' | 'starttls',
  creds: Creds,
  ca: string | undefined,
) {
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
  const auth = { user: creds.user, pass: creds.pass }
  const implicit = transport === 'implicit-tls'
  const bareOptions: ImapFlowOptions = {
    host: 'localhost',
    port,
    secure: implicit,
    doSTARTTLS: !implicit,
    tls: {
      ...(ca === undefined ? {} : { ca }),
      servername: 'localhost',
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    },
    auth,
    logger: false,
  }
  return {
    guarded: () =>
      connectImap({ account: 'bench', store, ...(ca === undefined ? {} : { trust: { ca } }), auth }),
    bare: async () => {
      const c = new ImapFlow(bareOptions)
      await c.connect()
      return c
    },
  }
}

/** The A/B rows of one transport and trust configuration, with the relay-counted round trips. */
async function abFor(
  port: number,
  transport: 'implicit-tls' | 'starttls',
  creds: Creds,
  ca: string | undefined,
  where: string,
) {
  const { guarded, bare } = await clients(port, transport, creds, ca)
  const turns = {
    a: await countTurns(port, async (p) =>
      (await (await clients(p, transport, creds, ca)).guarded()).logout(),
    ),
    b: await countTurns(port, async (p) => (await (await clients(p, transport, creds, ca)).bare()).logout()),
  }
  return abRows({
    label: `imap connect+login+logout (${where})`,
    aName: 'guarded',
    bName: 'bare imapflow',
    a: async () => (await guarded()).logout(),
    b: async () => (await bare()).logout(),
    target: 1.05,
    turns,
  })
}

type Payload = { ports: Target['ports']; user: string; pass: string; name: string }

/** Runs in a child that trusts the test CA through NODE_EXTRA_CA_CERTS (see _util/system-trust.ts). */
export async function systemTrustRows(p: Payload): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const transport of ['implicit-tls', 'starttls'] as const) {
    rows.push(
      ...(await abFor(p.ports[transport], transport, p, undefined, `${transport}, system trust, ${p.name}`)),
    )
  }
  return rows
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
  const ca = testPki().caCert
  try {
    for (const transport of ['implicit-tls', 'starttls'] as const) {
      const where = `${transport}, custom CA, ${target.name}`
      rows.push(...(await abFor(target.ports[transport], transport, target, ca, where)))
      if (transport === 'implicit-tls') {
        const { guarded, bare } = await clients(target.ports[transport], transport, target, ca)
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
    const payload: Payload = { ports: target.ports, user: target.user, pass: target.pass, name: target.name }
    rows.push(...(await inSystemTrust(ca, import.meta.filename, payload)))
  } finally {
    await target.stop()
  }
  return rows
}
