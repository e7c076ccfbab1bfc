import { describe, expect, it } from 'vitest'
import type { GuardedSession } from './guarded-session.js'
import { SessionPool } from './pool.js'

/** A stand-in session: the pool only reads `usable`/`messages` and calls `quit`/`retire`. */
function fakeSession(id: number) {
  const s = {
    id,
    usable: true,
    messages: 0,
    quits: 0,
    quit() {
      s.quits++
      s.usable = false
    },
    retire() {
      s.usable = false
    },
  }
  return s
}
type Fake = ReturnType<typeof fakeSession>

function poolOf(max: number, maxMessages = 100) {
  const opened: Fake[] = []
  const pool = new SessionPool(
    async () => {
      const s = fakeSession(opened.length + 1)
      opened.push(s)
      return s as unknown as GuardedSession
    },
    max,
    maxMessages,
  )
  return { pool, opened }
}

describe('SessionPool', () => {
  it('opens a new guarded session only when no idle one is usable', async () => {
    const { pool, opened } = poolOf(2)
    const a = await pool.acquire()
    pool.release(a, true)
    const b = await pool.acquire()
    expect(b).toBe(a)
    expect(opened).toHaveLength(1)
  })

  it('never exceeds maxConnections and hands a released session to a waiter', async () => {
    const { pool, opened } = poolOf(1)
    const a = await pool.acquire()
    let second: GuardedSession | undefined
    const waiting = pool.acquire().then((s) => {
      second = s
    })
    await Promise.resolve()
    expect(second).toBeUndefined()
    pool.release(a, true)
    await waiting
    expect(second).toBe(a)
    expect(opened).toHaveLength(1)
  })

  it('quits a session after a failed message instead of reusing it', async () => {
    const { pool, opened } = poolOf(1)
    const a = await pool.acquire()
    pool.release(a, false)
    await pool.acquire()
    expect(opened).toHaveLength(2)
    expect(opened[0]?.quits).toBe(1)
  })

  it('retires a session that reached maxMessages', async () => {
    const { pool, opened } = poolOf(1, 1)
    const a = (await pool.acquire()) as unknown as Fake
    a.messages = 1
    pool.release(a as unknown as GuardedSession, true)
    await pool.acquire()
    expect(opened).toHaveLength(2)
  })

  it('recovers after a failed open: the next acquire opens a new session', async () => {
    let fail = true
    const pool = new SessionPool(
      async () => {
        if (fail) {
          fail = false
          throw new Error('refused')
        }
        return fakeSession(2) as unknown as GuardedSession
      },
      1,
      10,
    )
    await expect(pool.acquire()).rejects.toThrow('refused')
    await expect(pool.acquire()).resolves.toBeDefined()
  })

  it('close() quits idle sessions and retires busy ones', async () => {
    const { pool, opened } = poolOf(2)
    const a = await pool.acquire()
    const b = await pool.acquire()
    pool.release(a, true)
    pool.close()
    expect(opened[0]?.quits).toBe(1)
    pool.release(b, true)
    expect(opened[1]?.quits).toBe(1)
    expect(pool.isIdle()).toBe(true)
  })
})
