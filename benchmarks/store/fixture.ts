// Builds a store directory of N accounts for the benchmarks, fast: account files and marks buckets are
// encoded and written directly (no per-file fsync, one anchor update) instead of through N durable
// `strengthen` calls, which would take minutes. It uses the store's own encoders and key handling, so
// what the benchmark then opens and verifies is byte-for-byte what FileStore writes. (Deep imports are
// confined to this fixture.)
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Commitment, createCommitment } from '@mua-sts/core'
import { FileStore, type SecretStore } from '@mua-sts/store'
import { encodeAccountFile, fileIdOf } from '../../packages/store/src/format/store-file.js'
import { contentHash, deriveKeys } from '../../packages/store/src/integrity/keys.js'
import { MARKS_DIR } from '../../packages/store/src/integrity/mark-buckets.js'
import {
  bucketHash,
  bucketIdOf,
  encodeAnchor,
  encodeBucket,
  markKey,
  parseMarksItem,
} from '../../packages/store/src/integrity/marks.js'

const NOW = '2026-01-01T00:00:00.000Z'

/** A realistic commitment: implicit TLS, two latches, one pin. */
export function benchCommitment(account: string, latches: string[] = ['tls-cert', 'tls12']): Commitment {
  const c = createCommitment({
    account,
    service: 'imap',
    host: 'imap.example.net',
    port: 993,
    transport: 'implicit-tls',
    pins: ['nepCG63SQk7VQwivq6J35v5+U5DplzE7dYI0fCC/lj0='],
    source: 'setup',
    now: NOW,
  })
  return { ...c, latches: [...latches].sort() }
}

/** Creates a keychain-protected store in `dir` holding `count` accounts (imap + submission each). */
export async function buildStore(dir: string, secrets: SecretStore, count: number): Promise<void> {
  const store = await FileStore.open({ dir, secrets })
  const names = { key: `store/${store.storeId}/key`, marks: `store/${store.storeId}/marks` }
  const keys = deriveKeys((await secrets.get(names.key)) as string)
  const item = parseMarksItem((await secrets.get(names.marks)) as string)
  if (item.kind !== 'anchor') throw new Error('expected a new store')
  const buckets = new Map<string, Record<string, [number, string]>>()
  for (let i = 0; i < count; i++) {
    const account = `acct_${i}`
    const body = {
      account,
      seq: 1,
      commitments: {
        imap: benchCommitment(account),
        submission: { ...benchCommitment(account), service: 'submission' as const },
      },
    }
    const bytes = encodeAccountFile(body, keys)
    const fileId = fileIdOf(account)
    writeFileSync(join(dir, `${fileId}.json`), bytes, { mode: 0o600 })
    const b = bucketIdOf(fileId)
    const marks = buckets.get(b) ?? {}
    marks[markKey(fileId)] = [1, contentHash(bytes)]
    buckets.set(b, marks)
  }
  mkdirSync(join(dir, MARKS_DIR), { recursive: true, mode: 0o700 })
  const anchored: Record<string, string> = {}
  for (const [b, marks] of buckets) {
    const bytes = encodeBucket(b, marks)
    const hash = bucketHash(bytes)
    writeFileSync(join(dir, MARKS_DIR, `${b}.${hash}.marks`), bytes, { mode: 0o600 })
    anchored[b] = hash
  }
  await secrets.set(names.marks, encodeAnchor({ ...item.anchor, buckets: anchored }))
}
