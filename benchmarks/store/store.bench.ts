// FileStore benchmarks (issues #3, #17): a sweep over 100 / 1k / 10k / 50k accounts of what a mail
// client pays: opening the store, the first read of one account in a fresh instance, a warm read, and a
// durable strengthen (p50 and p99), with in-memory secrets and, under scripts/with-keyring.sh (as
// `npm run bench` runs), with keytar on a real gnome-keyring. Every figure is a median over n ≥ 200
// samples with its IQR and a bootstrap 95% CI; a target is met only if the CI's upper bound is.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { FileStore, keytarSecretStore, MemorySecretStore, type SecretStore } from '@mua-sts/store'
import { writeAtomic } from '../../packages/store/src/fs/safe-file.js'
import { consume } from '../_util/measure.js'
import { rounds, sizes } from '../_util/quick.js'
import { type Summary, summarize } from '../_util/stats.js'
import type { BenchRow } from '../_util/types.js'
import { benchCommitment, buildStore } from './fixture.js'

const SIZES = sizes([100, 1_000, 10_000, 50_000], String)
const N = rounds(200)
const WARM_BATCH = 100

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

const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6
const pick = (accounts: number): string => `acct_${Math.floor(Math.random() * accounts)}`

function row(name: string, s: Summary, unit: string, target?: number): BenchRow {
  const stats = { n: s.n, q1: s.q1, q3: s.q3, ciLow: s.ciLow, ciHigh: s.ciHigh }
  if (target === undefined) return { name, value: s.median, unit, stats }
  return { name, value: s.median, unit, stats, target: `≤ ${target}`, pass: s.ciHigh <= target }
}

/** Cold open, then the first read of one random account in that fresh instance; n pairs. */
async function openAndFirstRead(dir: string, secrets: SecretStore, accounts: number) {
  const open: number[] = []
  const first: number[] = []
  for (let i = 0; i < N + 5; i++) {
    let t0 = process.hrtime.bigint()
    const store = await FileStore.open({ dir, secrets })
    const o = elapsedMs(t0)
    t0 = process.hrtime.bigint()
    const c = await store.get(pick(accounts), 'imap')
    const f = elapsedMs(t0)
    if (c === undefined) throw new Error('fixture account missing')
    if (i < 5) continue // warm-up (JIT, page cache)
    open.push(o)
    first.push(f)
  }
  return { open: summarize(open), first: summarize(first) }
}

/** Warm get(): each sample is the mean of WARM_BATCH gets of accounts this instance already verified. */
async function warmRead(dir: string, secrets: SecretStore, accounts: number): Promise<Summary> {
  const store = await FileStore.open({ dir, secrets })
  const hot = Array.from({ length: Math.min(accounts, 1_000) }, (_, i) => `acct_${i}`)
  for (const a of hot) consume(await store.get(a, 'imap'))
  const samples: number[] = []
  for (let r = 0; r < N; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < WARM_BATCH; i++)
      consume(await store.get(hot[(r * 7919 + i * 104729) % hot.length] as string, 'imap'))
    samples.push((elapsedMs(t0) * 1000) / WARM_BATCH)
  }
  return summarize(samples)
}

/** Durable strengthen of a random account with a new latch (so every call writes); n samples. */
async function strengthen(dir: string, secrets: SecretStore, accounts: number) {
  const store = await FileStore.open({ dir, secrets })
  const samples: number[] = []
  for (let i = 0; i < N + 5; i++) {
    const c = benchCommitment(pick(accounts), ['tls-cert', 'tls12', `x-${i}`])
    const t0 = process.hrtime.bigint()
    consume(await store.strengthen(c))
    if (i >= 5) samples.push(elapsedMs(t0))
  }
  return { p50: summarize(samples), p99: summarize(samples, 99) }
}

async function sweep(label: string, secrets: SecretStore): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const accounts of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-bench-'))
    try {
      await buildStore(dir, secrets, accounts)
      await sleep(150) // let the files age past the store's racy-timestamp window before warm reads
      const at = `${accounts.toLocaleString('en')} accounts, ${label}`
      const { open, first } = await openAndFirstRead(dir, secrets, accounts)
      rows.push(row(`store open (${at})`, open, 'ms', 50))
      rows.push(row(`store first read of one account (${at})`, first, 'ms', 2))
      rows.push(row(`store warm get() (${at})`, await warmRead(dir, secrets, accounts), 'µs', 50))
      const w = await strengthen(dir, secrets, accounts)
      rows.push(row(`store durable strengthen p50 (${at})`, w.p50, 'ms', 20))
      rows.push(row(`store durable strengthen p99 (${at})`, w.p99, 'ms', 60))
      if (accounts === 10_000) {
        const store = await FileStore.open({ dir, secrets })
        const t0 = process.hrtime.bigint()
        const all = await store.list()
        rows.push({
          name: `store list() of every commitment, cold (${at})`,
          value: elapsedMs(t0),
          unit: 'ms',
          note: `n=1, ${all.length} commitments`,
        })
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return rows
}

/**
 * The floor under a durable strengthen on this machine, measured alone: one atomic durable file write
 * (temp, fsync, rename, directory fsync, as the store does) and, with keytar, one keychain write of an
 * anchor-sized item. A strengthen cannot be faster than the slower of two parallel file writes plus
 * the keychain write, whatever the store's layout.
 */
async function floors(label: string, secrets: SecretStore | undefined): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-bench-'))
  try {
    const file: number[] = []
    const bytes = Buffer.alloc(1200, 0x61)
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint()
      await writeAtomic(dir, 'floor.json', bytes)
      file.push(elapsedMs(t0))
    }
    const rows = [
      row('floor: durable atomic file write p50', summarize(file), 'ms'),
      row('floor: durable atomic file write p99', summarize(file, 99), 'ms'),
    ]
    if (secrets === undefined) return rows
    const item: number[] = []
    const value = 'x'.repeat(7_700)
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint()
      await secrets.set('floor', `${value}${i}`)
      item.push(elapsedMs(t0))
    }
    await secrets.delete('floor')
    rows.push(row(`floor: keychain write of an 8 KB item p50 (${label})`, summarize(item), 'ms'))
    rows.push(row(`floor: keychain write of an 8 KB item p99 (${label})`, summarize(item, 99), 'ms'))
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export default async function run(): Promise<BenchRow[]> {
  const rows = await sweep('in-memory secrets', new MemorySecretStore())
  const keytar = await keytarBackend()
  if (keytar === undefined) {
    // Loud, and a failed row: `npm run bench` runs under the keyring wrapper, so this is a broken setup.
    process.stderr.write('[bench] keytar: no reachable keyring; run under scripts/with-keyring.sh\n')
    return [
      ...rows,
      {
        name: 'store keytar rows (no reachable keyring)',
        value: 0,
        unit: '',
        target: 'present',
        pass: false,
      },
    ]
  }
  try {
    const label = 'keytar + gnome-keyring'
    return [...rows, ...(await sweep(label, keytar.secrets)), ...(await floors(label, keytar.secrets))]
  } finally {
    await keytar.cleanup()
  }
}
