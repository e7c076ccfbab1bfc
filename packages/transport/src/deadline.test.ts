// The one hard deadline per connect (issue #13 item 1): it names the phase, destroys every attached
// socket on expiry, and a cleared deadline never fires. Real sockets on loopback; no fake timers.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { connectDeadline, timeoutError } from './deadline.js'

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

async function silentServer(): Promise<number> {
  const s = createServer((sock) => {
    sockets.push(sock)
  })
  servers.push(s)
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  return (s.address() as { port: number }).port
}

describe('connectDeadline()', () => {
  it('destroys the attached socket on expiry with MUASTS_ERR_TIMEOUT naming the phase', async () => {
    const port = await silentServer()
    const d = connectDeadline(200, { what: 'TEST' })
    const sock = d.attach(connect(port, '127.0.0.1'))
    sockets.push(sock)
    sock.on('error', () => undefined)
    await once(sock, 'connect')
    d.enter('greeting')
    const started = Date.now()
    await new Promise((r) => sock.once('close', r))
    const error = d.error
    expect(Date.now() - started).toBeLessThan(3000)
    expect(sock.destroyed).toBe(true)
    expect(isSdkError(error, ErrorCode.Timeout)).toBe(true)
    expect((error as { details?: unknown }).details).toEqual({ phase: 'greeting', timeoutMs: 200 })
    await expect(d.done).rejects.toBe(error)
    await expect(d.race(new Promise(() => undefined))).rejects.toBe(error)
    // Progress after expiry is ignored: the error keeps the phase that stalled.
    d.enter('login')
    expect(d.phase).toBe('greeting')
  })

  it('never fires once cleared, and leaves the socket open', async () => {
    const port = await silentServer()
    const d = connectDeadline(150, { what: 'TEST' })
    const sock = d.attach(connect(port, '127.0.0.1'))
    sockets.push(sock)
    await once(sock, 'connect')
    d.clear()
    await new Promise((r) => setTimeout(r, 300))
    expect(d.expired).toBe(false)
    expect(sock.destroyed).toBe(false)
    expect(d.remainingMs()).toBe(0)
  })

  it('calls onExpire listeners before destroying, and survives a throwing listener', async () => {
    const d = connectDeadline(100, { what: 'TEST' })
    const order: string[] = []
    d.onExpire(() => {
      order.push('listener')
      throw new Error('app bug')
    })
    d.attach({ destroy: () => order.push('destroy') })
    await d.done.catch(() => undefined)
    expect(order).toEqual(['listener', 'destroy'])
    // Attaching after expiry destroys at once.
    let late = false
    d.attach({ destroy: () => (late = true) })
    expect(late).toBe(true)
  })

  it('turns an abort into MUASTS_ERR_ABORTED with the phase', async () => {
    const ac = new AbortController()
    const d = connectDeadline(10_000, { what: 'TEST', signal: ac.signal })
    d.enter('starttls')
    ac.abort()
    await expect(d.done).rejects.toMatchObject({ code: ErrorCode.Aborted, details: { phase: 'starttls' } })
  })

  it('words the timeout error without server text', () => {
    expect(timeoutError('IMAP', 'capabilities', 500).message).toBe(
      'IMAP connect did not finish within 500 ms (stalled in capabilities). Try again later; if it keeps happening, check the server settings.',
    )
  })
})
