// A writer SIGKILLed at random points (inside the lock, between temp write and rename, between rename and
// the high-water mark, while breaking a stale lock…) must never leave the store weaker than its last
// acknowledged write, nor unreadable: after every kill a fresh FileStore opens, verifies every file and
// mark (list), and finds every ACKed latch.
import { join } from 'node:path'
import { isAtLeast } from '@mua-sts/core'
import { FileStore } from '@mua-sts/store'
import { afterAll, describe, expect, it } from 'vitest'
import { fileSecrets, LOOP, loopCommitment, spawnTsx, tempDir, watch } from './helpers.js'

const MIN_ACKS = 200
const MIN_KILLS = 20
const PER_ACCOUNT = 40

const tmp = tempDir('crash')
afterAll(tmp.remove)

describe('FileStore crash safety', () => {
  it(`is never weaker than the last acknowledged write across ≥ ${MIN_KILLS} SIGKILLs and ≥ ${MIN_ACKS} writes`, async () => {
    const dir = join(tmp.dir, 'store')
    const secretsPath = join(tmp.dir, 'secrets.json')
    const acked = new Map<string, Set<string>>()
    let next = 0
    let kills = 0
    let totalAcks = 0
    while (totalAcks < MIN_ACKS || kills < MIN_KILLS) {
      const child = spawnTsx(LOOP, [
        dir,
        'file',
        secretsPath,
        String(next),
        '-1',
        'acct_',
        'l',
        String(PER_ACCOUNT),
      ])
      const out = watch(child)
      await out.waitFor('READY')
      await new Promise((r) => setTimeout(r, Math.random() * 150))
      child.kill('SIGKILL')
      const { signal } = await out.exited
      expect(signal).toBe('SIGKILL')
      kills++
      for (const line of out.lines) {
        const m = /^ACK (\d+)$/.exec(line)
        if (m === null) continue
        const i = Number(m[1])
        const account = `acct_${Math.floor(i / PER_ACCOUNT)}`
        acked.set(account, (acked.get(account) ?? new Set()).add(`l${i}`))
        totalAcks++
        next = Math.max(next, i + 1)
      }
      // A fresh instance: nothing cached, every file and every mark verified.
      const store = await FileStore.open({ dir, secrets: fileSecrets(secretsPath) })
      await store.list()
      for (const [account, latches] of acked) {
        const stored = await store.get(account, 'imap')
        expect(stored, `${account} after kill ${kills}`).toBeDefined()
        if (stored === undefined) continue
        expect(isAtLeast(stored, loopCommitment(account, latches)), `${account} after kill ${kills}`).toBe(
          true,
        )
      }
    }
    expect(totalAcks).toBeGreaterThanOrEqual(MIN_ACKS)
  }, 120_000)
})
