// The cleartext STARTTLS dialog against a hostile peer: attacker text never becomes the app's error
// message, and an endless reply cannot grow memory or stall the event loop.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { connectDeadline } from '@mua-sts/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { negotiateStartTls, type PreTlsProgress } from './starttls.js'

const negotiate = (socket: Socket) => {
  const deadline = connectDeadline(2000, { what: 'SMTP' })
  deadline.attach(socket)
  const progress: PreTlsProgress = { capsBeforeTls: [] }
  return negotiateStartTls(socket, '[127.0.0.1]', deadline, progress).finally(() => deadline.clear())
}

const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

async function peer(onConnect: (s: Socket) => void): Promise<Socket> {
  const server = createServer((s) => {
    s.on('error', () => undefined) // the client hangs up on it
    onConnect(s)
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const socket = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port })
  await once(socket, 'connect')
  return socket
}

describe('negotiateStartTls() under hostile cleartext', () => {
  it('never puts the greeting text (attacker-controlled) into the error message', async () => {
    const socket = await peer((s) => s.write('554 Your mailbox is locked - call +1-555-0100 to unlock\r\n'))
    const error = (await negotiate(socket).catch((e: unknown) => e)) as Error
    expect((error as { code?: string }).code).toBe('MUASTS_ERR_PROTOCOL')
    expect(error.message).toBe(
      'The SMTP server refused the session at its greeting (554, not 220); no credentials were sent. Try again later.',
    )
    socket.destroy()
  })

  it('refuses a reply that never ends instead of buffering it without bound', async () => {
    const socket = await peer((s) => {
      s.write('220-')
      const chunk = Buffer.alloc(8192, 'x')
      for (let i = 0; i < 16; i++) s.write(chunk)
    })
    const outcome = await negotiate(socket)
    // Over the shared pre-TLS byte cap: refused as evidence (kind, size, hash), never read on.
    expect(outcome).toMatchObject({ ok: false, anomaly: 'untagged_before_tls' })
    const evidence = outcome.ok ? [] : outcome.evidence
    expect(evidence).toEqual([{ kind: 'overflow', bytes: expect.any(Number), sha256: expect.any(String) }])
    expect(evidence[0]?.bytes).toBeLessThanOrEqual(16_384 + 65_536) // at most one socket read past the cap
    socket.destroy()
  })

  it('refuses an endless trickle of capability lines at the pre-TLS line cap', async () => {
    const socket = await peer((s) => {
      s.write('220 ok\r\n')
      s.once('data', () => {
        for (let i = 0; i < 100; i++) s.write(`250-X-CAP-${i}\r\n`)
      })
    })
    const outcome = await negotiate(socket)
    expect(outcome).toMatchObject({ ok: false, anomaly: 'untagged_before_tls' })
    socket.destroy()
  })

  it('refuses a reply that arrived before its command was sent (reorder), sending nothing more', async () => {
    const got: Buffer[] = []
    const socket = await peer((s) => {
      s.on('data', (b: Buffer) => got.push(b))
      // The EHLO reply and the STARTTLS 220 ride along with the greeting, before either command.
      s.write('220 ok\r\n250-x\r\n250 STARTTLS\r\n220 go\r\n')
    })
    await new Promise((r) => setTimeout(r, 50)) // all of it is in the client's buffer
    const outcome = await negotiate(socket)
    expect(outcome).toMatchObject({ ok: false, anomaly: 'untagged_before_tls', capsBeforeTls: [] })
    const evidence = outcome.ok ? [] : outcome.evidence
    expect(evidence).toEqual([{ kind: 'REPLY', bytes: 29, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }])
    await new Promise((r) => setTimeout(r, 50))
    expect(Buffer.concat(got).toString()).toBe('') // not even EHLO
    socket.destroy()
  })
})
