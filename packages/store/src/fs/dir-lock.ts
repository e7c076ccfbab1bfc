// Cross-process exclusive lock on a store directory, without native code: a lock file published with
// link(2), which fails with EEXIST if the name exists, so acquisition is atomic and the file is complete
// the moment it appears (its owner record is written to a private draft first).
//
// A holder that died (SIGKILL, crash, power loss) leaves its lock behind. A waiter breaks it only when the
// recorded pid is dead on this host; a live or foreign-host holder is waited for until the deadline
// (MUASTS_ERR_STORE_LOCKED). Breaking is itself serialised (see breakStale), so a lock taken after the
// stale one was read is never removed. A holder also verifies with `assertHeld()` (inode check) right
// before it commits, so a lock lost by any route aborts the write instead of interleaving it.
// Known limits: pid reuse can make a dead holder look alive, which fails closed (timeout), never open;
// a breaker killed inside its few-syscall window is cleared by rename-and-verify (clearDeadBreaker).
import { randomBytes } from 'node:crypto'
import { link, lstat, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorCode, SdkError } from '@mua-sts/core'
import * as z from 'zod'
import { errnoOf, io } from '../store-errors.js'

const OwnerSchema = z.object({ pid: z.number().int().positive(), host: z.string(), nonce: z.string() })

// Nonces of the locks this process holds right now. A lock naming our own pid but not one of these was
// left by an earlier process that had the same pid (pid namespaces restart at 1), so it is stale.
const heldHere = new Set<string>()

/** A lock this process holds. */
export type HeldLock = {
  /** Throws MUASTS_ERR_STORE_LOCKED if the lock was broken or replaced since it was acquired. */
  assertHeld(): Promise<void>
  /** Releases the lock if it is still ours. Never throws. */
  release(): Promise<void>
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errnoOf(error) === 'EPERM' // exists, owned by another user
  }
}

async function readRaw(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw io('read lock', error)
  }
}

/** Stale = written by a process on this host that no longer exists, or not a lock record at all. */
function isStale(raw: string): boolean {
  const owner = parseOwner(raw)
  if (owner === undefined) return true
  const { pid, host, nonce } = owner
  if (host !== hostname()) return false
  if (pid === process.pid) return !heldHere.has(nonce)
  return !pidAlive(pid)
}

function parseOwner(raw: string): z.infer<typeof OwnerSchema> | undefined {
  try {
    const parsed = OwnerSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function holderPid(raw: string): number | undefined {
  return parseOwner(raw)?.pid
}

function ownerNonce(raw: string): string | undefined {
  const nonce = parseOwner(raw)?.nonce
  return nonce !== undefined && /^[0-9a-f]{24}$/.test(nonce) ? nonce : undefined
}

/**
 * Moves `path` aside if it still holds `staleRaw`, putting back anything else it finds there. Only for
 * the breaker lock, which is held for a few syscalls, so two waiters racing to clear a dead breaker is
 * already a double fault; see breakStale for the main lock.
 */
async function clearDeadBreaker(path: string, staleRaw: string, myNonce: string): Promise<void> {
  const aside = `${path}.stale-${myNonce}`
  try {
    await rename(path, aside)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return
    throw io('break stale lock', error)
  }
  try {
    if ((await readRaw(aside)) === staleRaw) return
    await link(aside, path).catch((error: unknown) => {
      if (errnoOf(error) !== 'EEXIST') throw io('restore lock', error)
    })
  } finally {
    await rm(aside, { force: true })
  }
}

/**
 * Removes the main lock if it still holds `staleRaw`. Breakers serialise on a second lock file, and only
 * breakers ever remove a stale lock (its owner is dead), so under the breaker lock "the content is still
 * the stale record" cannot change before the unlink: a fresh lock taken since we read it is never removed.
 * Returns false if another breaker was busy (the caller backs off).
 */
async function breakStale(
  lockPath: string,
  staleRaw: string,
  draft: string,
  myNonce: string,
): Promise<boolean> {
  const breaker = `${lockPath}.break`
  try {
    await link(draft, breaker)
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw io('break stale lock', error)
    const raw = await readRaw(breaker)
    if (raw !== undefined && isStale(raw)) await clearDeadBreaker(breaker, raw, myNonce)
    return false
  }
  try {
    if ((await readRaw(lockPath)) !== staleRaw) return true // released or replaced since we judged it
    await rm(lockPath, { force: true })
    // A holder killed between writing its draft and removing it leaves the draft behind too.
    const nonce = ownerNonce(staleRaw)
    if (nonce !== undefined) await rm(`${lockPath}.draft-${nonce}`, { force: true })
    return true
  } finally {
    await rm(breaker, { force: true })
  }
}

/**
 * Acquires the lock at `lockPath`, waiting up to `timeoutMs`. Does I/O. Throws MUASTS_ERR_STORE_LOCKED
 * on timeout, MUASTS_ERR_STORE_IO if the directory is not writable.
 */
export async function acquireLock(lockPath: string, timeoutMs: number): Promise<HeldLock> {
  const nonce = randomBytes(12).toString('hex')
  const owner = { pid: process.pid, host: hostname(), nonce, at: new Date().toISOString() }
  const draft = `${lockPath}.draft-${nonce}`
  try {
    await writeFile(draft, JSON.stringify(owner), { flag: 'wx', mode: 0o600 })
  } catch (error) {
    throw io('create lock', error)
  }
  const deadline = Date.now() + timeoutMs
  let delay = 1
  // Registered before link(2) so that no other waiter in this process can judge our fresh lock stale.
  heldHere.add(nonce)
  let acquired = false
  try {
    const ino = (await lstat(draft, { bigint: true })).ino
    for (;;) {
      try {
        await link(draft, lockPath)
        acquired = true
        return held(lockPath, ino, nonce)
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw io('acquire lock', error)
      }
      const raw = await readRaw(lockPath)
      if (raw === undefined) continue
      if (isStale(raw) && (await breakStale(lockPath, raw, draft, nonce))) continue
      if (Date.now() >= deadline) {
        throw new SdkError(ErrorCode.StoreLocked, undefined, {
          details: { holderPid: holderPid(raw), timeoutMs },
        })
      }
      await sleep(delay + Math.random() * delay)
      delay = Math.min(delay * 2, 25)
    }
  } finally {
    if (!acquired) heldHere.delete(nonce)
    await rm(draft, { force: true })
  }
}

function held(lockPath: string, ino: bigint, nonce: string): HeldLock {
  const stillOurs = async (): Promise<boolean> => {
    try {
      return (await lstat(lockPath, { bigint: true })).ino === ino
    } catch {
      return false
    }
  }
  return {
    async assertHeld() {
      if (!(await stillOurs())) {
        throw new SdkError(ErrorCode.StoreLocked, 'The store lock was lost before the write committed.')
      }
    },
    async release() {
      if (await stillOurs()) await rm(lockPath, { force: true }).catch(() => {})
      heldHere.delete(nonce)
    },
  }
}
