// FileStore benchmarks (issue #3): cold open + verify of 10,000 accounts, warm lookup, and durable
// strengthen latency, with the in-memory SecretStore and, when a keyring is reachable (run under
// scripts/with-keyring.sh), with keytar. Median of repeated runs; results are consumed.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { FileStore, keytarSecretStore, MemorySecretStore, type SecretStore } from '@mua-sts/store'
import { consume, median, percentile } from '../_util/measure.js'
import type { BenchRow } from '../_util/types.js'
import { benchCommitment, buildStore } from './fixture.js'

const ACCOUNTS = 10_000
const OPEN_RUNS = 5
const LOOKUPS = 50_000
const STRENGTHENS = 200

async function keytarBackend(): Promise<{ secrets: SecretStore; cleanup: () => Promise<void> } | undefined> {
  const service = `mua-sts-bench-${randomBytes(4).toString('hex')}`
  const secrets = keytarSecretStore({ service, timeoutMs: 5_000 })
  const names: string[] = []
  const tracked: SecretStore = {
    backend: secrets.backend,
    get: (n) => secrets.get(n),
    set: (n, v) => {
      names.push(n)
      return secrets.set(n, v)
    },
    delete: (n) => secrets.delete(n),
  }
  try {
    await secrets.set('probe', 'x')
    if ((await secrets.get('probe')) !== 'x') return undefined
    await secrets.delete('probe')
  } catch {
    return undefined
  }
  return {
    secrets: tracked,
    cleanup: async () => {
      for (const n of new Set(names)) await secrets.delete(n).catch(() => {})
    },
  }
}

async function openAndVerify(label: string, dir: string, secrets: SecretStore): Promise<BenchRow[]> {
  const times: number[] = []
  let store: FileStore | undefined
  for (let r = 0; r < OPEN_RUNS; r++) {
    const t0 = process.hrtime.bigint()
    store = await FileStore.open({ dir, secrets })
    const all = await store.list()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (all.length !== ACCOUNTS * 2)
      throw new Error(`expected ${ACCOUNTS * 2} commitments, got ${all.length}`)
    consume(all)
  }
  const openMs = median(times)
  const rows: BenchRow[] = [
    {
      name: `open + verify ${ACCOUNTS.toLocaleString('en')} accounts, cold (${label})`,
      value: openMs,
      unit: 'ms',
      target: '≤ 1,000',
      pass: openMs <= 1000,
    },
  ]
  if (store === undefined) return rows
  // Warm lookup: the instance that just verified everything; each get is one lstat.
  for (let i = 0; i < 2_000; i++) consume(await store.get(`acct_${i % ACCOUNTS}`, 'imap'))
  const perRun: number[] = []
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < LOOKUPS / 5; i++) consume(await store.get(`acct_${(i * 7919) % ACCOUNTS}`, 'imap'))
    perRun.push(Number(process.hrtime.bigint() - t0) / 1e3 / (LOOKUPS / 5))
  }
  const lookupUs = median(perRun)
  rows.push({
    name: `warm get() of one account (${label})`,
    value: lookupUs,
    unit: 'µs',
    target: '≤ 50',
    pass: lookupUs <= 50,
  })
  return rows
}

async function strengthenLatency(
  label: string,
  dir: string,
  secrets: SecretStore,
  accounts: number,
): Promise<BenchRow[]> {
  const store = await FileStore.open({ dir, secrets })
  const samples: number[] = []
  for (let i = 0; i < STRENGTHENS; i++) {
    // A new latch every time, so every call really writes (lock + fsync + rename + dir fsync + mark).
    const account = `acct_${i % Math.min(accounts, 10)}`
    const c = benchCommitment(account, ['tls-cert', 'tls12', `x-${i}`])
    const t0 = process.hrtime.bigint()
    consume(await store.strengthen(c))
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  const p50 = median(samples)
  const name = `durable strengthen, store of ${accounts.toLocaleString('en')} accounts (${label})`
  return [
    { name: `${name} p50`, value: p50, unit: 'ms', target: '≤ 20', pass: p50 <= 20 },
    { name: `${name} p99`, value: percentile(samples, 99), unit: 'ms' },
  ]
}

async function suite(label: string, secrets: SecretStore): Promise<BenchRow[]> {
  const big = mkdtempSync(join(tmpdir(), 'mua-sts-bench-'))
  const small = mkdtempSync(join(tmpdir(), 'mua-sts-bench-'))
  try {
    await buildStore(big, secrets, ACCOUNTS)
    await buildStore(small, secrets, 10)
    await sleep(150) // let the files age past the store's racy-timestamp window before measuring warm reads
    return [
      ...(await openAndVerify(label, big, secrets)),
      ...(await strengthenLatency(label, small, secrets, 10)),
      ...(await strengthenLatency(label, big, secrets, ACCOUNTS)),
    ]
  } finally {
    rmSync(big, { recursive: true, force: true })
    rmSync(small, { recursive: true, force: true })
  }
}

export default async function run(): Promise<BenchRow[]> {
  const rows = await suite('in-memory secrets', new MemorySecretStore())
  const keytar = await keytarBackend()
  if (keytar === undefined) {
    process.stderr.write(
      '[bench] keytar: no reachable keyring; run under scripts/with-keyring.sh to include it\n',
    )
    return rows
  }
  try {
    return [...rows, ...(await suite('keytar + gnome-keyring', keytar.secrets))]
  } finally {
    await keytar.cleanup()
  }
}
