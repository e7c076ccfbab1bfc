// Guarded IMAP connect+login+logout with DANE against without, on the same server and the same Unbound
// (issue #15: median ratio ≤ 1.10 with a warm resolver). Both arms dial the same host name through the
// same loopback lookup and trust the same CA; the DANE arm also has `dane: { address }`, so its
// commitment (tls-cert + tls-dane-tlsa) is checked against a `3 1 1` record in a zone signed at start.
// The first connection asks Unbound. Every later one finds the secure answer in the gate's TLSA cache
// (the zone's TTL is 300 s), so its dial waits for nothing, and the matcher reuses the parsed chain
// (docs/benchmarks.md says what that cost before). Without Unbound and ldnsutils this prints one
// failed row instead.
import { X509Certificate } from 'node:crypto'
import type { LookupFunction } from 'node:net'
import { createCommitment } from '@mua-sts/core'
import { formatTlsa, tlsaRecordFor } from '@mua-sts/dane'
import { connectImap } from '@mua-sts/imap'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, startFakeImap } from '@mua-sts/testing'
import { testPki } from '../../test/support/certs.js'
import { startUnbound, unboundAvailable } from '../../test/support/unbound.js'
import { abRows } from '../_util/ab.js'
import type { BenchRow } from '../_util/types.js'

const HOST = 'mail.example.test'

const loopback: LookupFunction = (_host, options, callback) => {
  if ((options as { all?: boolean }).all === true)
    (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ])
  else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4)
}

async function guardedFor(port: number, latches: string[], dane: { address: string } | undefined) {
  const pki = testPki()
  const store = new MemoryCommitmentStore()
  const now = new Date().toISOString()
  const base = createCommitment({
    account: 'bench',
    service: 'imap',
    host: HOST,
    port,
    transport: 'implicit-tls',
    source: 'setup',
    now,
  })
  const prov = { source: 'policy' as const, firstSeen: now, lastConfirmed: now }
  const provenance = { ...base.provenance }
  for (const t of latches) provenance[`latch:${t}`] = prov
  await store.strengthen({ ...base, latches: [...latches].sort(), provenance })
  return () =>
    connectImap({
      account: 'bench',
      store,
      trust: { ca: pki.caCert, lookup: loopback },
      auth: { user: FAKE_USER, pass: FAKE_PASS },
      ...(dane === undefined ? {} : { dane }),
    })
}

export default async function run(): Promise<BenchRow[]> {
  if (!unboundAvailable()) {
    return [
      {
        name: 'imap connect with/without DANE: Unbound + ldnsutils not installed',
        value: 0,
        unit: 'ratio',
        pass: false,
      },
    ]
  }
  const pki = testPki()
  const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  const record = formatTlsa(tlsaRecordFor(new Uint8Array(new X509Certificate(pki.good.cert).raw)))
  const unbound = await startUnbound({
    origin: 'example.test',
    records: [`_${server.port}._tcp.mail IN TLSA ${record}`],
  })
  try {
    const withDane = await guardedFor(server.port, ['tls-cert', 'tls-dane-tlsa'], { address: unbound.server })
    const without = await guardedFor(server.port, ['tls-cert'], undefined)
    return await abRows({
      label: 'imap connect+login+logout (implicit-tls, warm Unbound)',
      aName: 'guarded with DANE',
      bName: 'guarded without DANE',
      a: async () => (await withDane()).logout(),
      b: async () => (await without()).logout(),
      target: 1.1,
    })
  } finally {
    await unbound.stop()
    await server.close()
  }
}
