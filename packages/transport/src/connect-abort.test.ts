// The shared abort mechanics (issue #16 item 2): a coded rejection naming the phase, an already-aborted
// signal refused before anything starts, and no listener left on a long-lived signal.
import { getEventListeners } from 'node:events'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { abortedError, throwIfAborted, whenAborted } from './connect-abort.js'
import { connectDeadline } from './deadline.js'

describe('abortedError()', () => {
  it('is MUASTS_ERR_ABORTED with the phase, the reason as cause, and no server text', () => {
    const reason = new Error('user pressed Cancel')
    const e = abortedError('IMAP', 'login', reason)
    expect(isSdkError(e, ErrorCode.Aborted)).toBe(true)
    expect(e.details).toEqual({ phase: 'login' })
    expect(e.cause).toBe(reason)
    expect(e.message).toBe('IMAP connect cancelled by the app during login; the connection was closed.')
    expect(abortedError('SMTP', 'start').message).toContain('before it started')
  })
})

describe('throwIfAborted()', () => {
  it('throws only for an aborted signal', () => {
    expect(() => throwIfAborted(undefined, 'POP3')).not.toThrow()
    expect(() => throwIfAborted(new AbortController().signal, 'POP3')).not.toThrow()
    const ac = new AbortController()
    ac.abort('stop')
    expect(() => throwIfAborted(ac.signal, 'POP3')).toThrow(
      expect.objectContaining({ code: ErrorCode.Aborted, details: { phase: 'start' }, cause: 'stop' }),
    )
  })
})

describe('whenAborted()', () => {
  it('calls back once with the reason, and the disposer removes the listener', () => {
    const ac = new AbortController()
    const seen: unknown[] = []
    const dispose = whenAborted(ac.signal, (r) => seen.push(r))
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1)
    ac.abort('why')
    expect(seen).toEqual(['why'])
    dispose()
    const other = new AbortController()
    whenAborted(other.signal, () => seen.push('late'))()
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0)
    other.abort()
    expect(seen).toEqual(['why'])
  })
})

describe('connectDeadline() with a signal', () => {
  it('refuses an already-aborted signal synchronously, before any timer or socket', () => {
    const ac = new AbortController()
    ac.abort()
    expect(() => connectDeadline(10_000, { what: 'TEST', signal: ac.signal })).toThrow(
      expect.objectContaining({ code: ErrorCode.Aborted, details: { phase: 'start' } }),
    )
  })

  it('destroys attached sockets at once on abort and reports it as aborted, not expired by time', async () => {
    const ac = new AbortController()
    const d = connectDeadline(10_000, { what: 'TEST', signal: ac.signal })
    let destroyedWith: unknown
    d.attach({ destroy: (e?: Error) => (destroyedWith = e) })
    d.enter('handshake')
    ac.abort()
    expect(d.aborted).toBe(true)
    expect(destroyedWith).toBe(d.error)
    await expect(d.done).rejects.toMatchObject({ code: ErrorCode.Aborted, details: { phase: 'handshake' } })
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
  })

  it('leaves no listener behind on a signal shared by 100 connects', () => {
    const ac = new AbortController()
    for (let i = 0; i < 100; i++) connectDeadline(10_000, { what: 'TEST', signal: ac.signal }).clear()
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
    const d = connectDeadline(10_000, { what: 'TEST' })
    expect(d.aborted).toBe(false)
    d.clear()
  })
})
