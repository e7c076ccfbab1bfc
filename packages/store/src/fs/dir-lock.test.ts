import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorCode } from '@mua-sts/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireLock } from './dir-lock.js'

let dir: string
let lockPath: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-lock-'))
  lockPath = join(dir, '.lock')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  })
  return Number(r.stdout)
}

describe('acquireLock', () => {
  it('gives the lock to one holder at a time among many concurrent acquirers', async () => {
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lock = await acquireLock(lockPath, 10_000)
        inside++
        maxInside = Math.max(maxInside, inside)
        await sleep(1)
        inside--
        await lock.release()
      }),
    )
    expect(maxInside).toBe(1)
    expect(readdirSync(dir)).toEqual([])
  })

  it('breaks a lock left by a process that no longer exists', async () => {
    const pid = deadPid()
    writeFileSync(lockPath, JSON.stringify({ pid, host: hostname(), nonce: 'a'.repeat(24), at: 'x' }))
    writeFileSync(`${lockPath}.draft-${'a'.repeat(24)}`, '')
    const lock = await acquireLock(lockPath, 1_000)
    await lock.assertHeld()
    await lock.release()
    expect(readdirSync(dir)).toEqual([])
  })

  it('breaks a lock that names this pid but was not taken by this process (pid reuse across restarts)', async () => {
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'b'.repeat(24), at: 'x' }),
    )
    const lock = await acquireLock(lockPath, 1_000)
    await lock.release()
  })

  it('breaks a lock file that is not a lock record', async () => {
    writeFileSync(lockPath, 'garbage')
    const lock = await acquireLock(lockPath, 1_000)
    await lock.release()
  })

  it('waits for a live holder and fails with MUASTS_ERR_STORE_LOCKED at the deadline', async () => {
    const held = await acquireLock(lockPath, 1_000)
    await expect(acquireLock(lockPath, 50)).rejects.toMatchObject({
      code: ErrorCode.StoreLocked,
      details: { holderPid: process.pid },
    })
    await held.release()
  })

  it('never breaks a lock held on another host (liveness cannot be checked there)', async () => {
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: deadPid(), host: `${hostname()}-other`, nonce: 'c'.repeat(24) }),
    )
    await expect(acquireLock(lockPath, 30)).rejects.toMatchObject({ code: ErrorCode.StoreLocked })
  })

  it('hands the lock to a waiter as soon as the holder releases it', async () => {
    const first = await acquireLock(lockPath, 1_000)
    const second = acquireLock(lockPath, 5_000)
    await sleep(20)
    await first.release()
    const lock = await second
    await lock.assertHeld()
    await lock.release()
  })

  it('notices when its lock was taken away before committing', async () => {
    const lock = await acquireLock(lockPath, 1_000)
    await rename(lockPath, join(dir, 'moved'))
    writeFileSync(lockPath, 'someone else')
    await expect(lock.assertHeld()).rejects.toMatchObject({ code: ErrorCode.StoreLocked })
    await lock.release()
    expect(readdirSync(dir).sort()).toEqual(['.lock', 'moved'])
  })

  it('fails with MUASTS_ERR_STORE_IO when the directory does not exist or is not writable', async () => {
    await expect(acquireLock(join(dir, 'missing', '.lock'), 100)).rejects.toMatchObject({
      code: ErrorCode.StoreIo,
    })
  })
})
