// The tripwires, called directly: authentication on a socket the guard never passed throws before a
// byte is written. test/imap/tripwire.test.ts shows the same end to end.
import { Duplex } from 'node:stream'
import { isSdkError } from '@mua-sts/core'
import { markPassed } from '@mua-sts/transport'
import { describe, expect, it } from 'vitest'
import { assertImapflowInternals, GuardedImapFlow } from './guarded-client.js'

class RecordingSocket extends Duplex {
  readonly written: string[] = []
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.written.push(chunk.toString())
    done()
  }
  setTimeout(): this {
    return this
  }
}

describe('tripwires', () => {
  it('finds the imapflow internals it hooks (fails closed on an imapflow without them)', () => {
    expect(() => assertImapflowInternals()).not.toThrow()
  })

  it('authenticate() on a socket the guard never checked throws before writing a byte', async () => {
    const client = new GuardedImapFlow(
      { logger: false, auth: { user: 'u', pass: 'secret' } },
      undefined as never,
    )
    const socket = new RecordingSocket()
    Object.assign(client, { socket, writeSocket: socket })
    const error = await (client as unknown as { authenticate(): Promise<unknown> })
      .authenticate()
      .catch((e) => e)
    expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
    expect((error as Error).message).toBe(
      'Refusing to authenticate: imapflow authenticate() reached auth on an unchecked socket.',
    )
    expect(socket.written).toEqual([])
  })

  it('upgradeToSTARTTLS() returning on a socket the guard never checked throws, naming the step', async () => {
    const client = new GuardedImapFlow(
      { logger: false, auth: { user: 'u', pass: 'secret' } },
      undefined as never,
    )
    const socket = new RecordingSocket()
    Object.assign(client, { socket, writeSocket: socket })
    // No STARTTLS capability: imapflow's own step returns at once; the tripwire after it still runs.
    const error = await (client as unknown as { upgradeToSTARTTLS(): Promise<boolean> })
      .upgradeToSTARTTLS()
      .catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
    expect((error as Error).message).toBe(
      'Refusing to authenticate: imapflow upgradeToSTARTTLS() reached auth on an unchecked socket.',
    )
    expect(socket.written).toEqual([])
  })

  it('CONTROL: authenticate() on a socket the guard passed does write the login', async () => {
    const client = new GuardedImapFlow(
      { logger: false, auth: { user: 'u', pass: 'secret' } },
      undefined as never,
    )
    const socket = new RecordingSocket()
    Object.assign(client, { socket, writeSocket: socket })
    markPassed(socket)
    void (client as unknown as { authenticate(): Promise<unknown> }).authenticate().catch(() => undefined)
    await new Promise((resolve) => setImmediate(resolve))
    expect(socket.written.join('')).toBe('1 LOGIN "u" "secret"\r\n')
    client.close()
  })
})
