// The cleartext STARTTLS dialog against a hostile peer: attacker text never becomes the app's error
// message, and an endless reply cannot grow memory or stall the event loop.
import { createHash } from 'node:crypto'
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

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

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

/** A scripted server that answers each command line with the next reply, recording what it received. */
async function scripted(greeting: string, replies: string[]) {
  const got: Buffer[] = []
  const socket = await peer((s) => {
    s.write(greeting)
    s.on('data', (b: Buffer) => {
      got.push(b)
      const reply = replies.shift()
      if (reply !== undefined) s.write(reply)
    })
  })
  return { socket, wire: () => Buffer.concat(got).toString('latin1') }
}

/** The reader let go of the socket: nothing of ours reads on, the TLS handshake may take it over. */
function expectReleased(socket: Socket): void {
  expect(socket.listenerCount('data')).toBe(0)
  expect(socket.isPaused()).toBe(true)
}

describe('negotiateStartTls() outcomes', () => {
  it('refuses a refused EHLO as STARTTLS not offered, with no capabilities and no HELO fallback', async () => {
    const { socket, wire } = await scripted('220 ok\r\n', ['502 5.5.1 EHLO not implemented\r\n'])
    const outcome = await negotiate(socket)
    expect(outcome).toEqual({ ok: false, anomaly: 'starttls_not_offered', capsBeforeTls: [], evidence: [] })
    expect(wire()).toBe('EHLO [127.0.0.1]\r\n')
    expectReleased(socket)
    socket.destroy()
  })

  it('refuses an EHLO without STARTTLS before sending STARTTLS, keeping what was offered', async () => {
    const { socket, wire } = await scripted('220 ok\r\n', ['250-mx.example.test\r\n250 AUTH PLAIN\r\n'])
    const outcome = await negotiate(socket)
    expect(outcome).toEqual({
      ok: false,
      anomaly: 'starttls_not_offered',
      capsBeforeTls: ['AUTH PLAIN'],
      evidence: [],
    })
    expect(wire()).toBe('EHLO [127.0.0.1]\r\n')
    expectReleased(socket)
    socket.destroy()
  })

  it('refuses a 454 to STARTTLS (RFC 3207 §4) and sends nothing after it', async () => {
    const { socket, wire } = await scripted('220 ok\r\n', [
      '250-mx.example.test\r\n250 STARTTLS\r\n',
      '454 4.7.0 TLS not available\r\n',
    ])
    const outcome = await negotiate(socket)
    expect(outcome).toEqual({
      ok: false,
      anomaly: 'starttls_refused',
      capsBeforeTls: ['STARTTLS'],
      evidence: [],
    })
    expect(wire()).toBe('EHLO [127.0.0.1]\r\nSTARTTLS\r\n')
    expectReleased(socket)
    socket.destroy()
  })

  it('refuses bytes riding after "220 Ready to start TLS" as evidence of kind bytes (RFC 3207 §6)', async () => {
    const injected = '250-fake.example.test\r\n250 AUTH PLAIN\r\n'
    const { socket, wire } = await scripted('220 ok\r\n', [
      '250-mx.example.test\r\n250 STARTTLS\r\n',
      `220 2.0.0 Ready to start TLS\r\n${injected}`,
    ])
    const outcome = await negotiate(socket)
    expect(outcome).toEqual({
      ok: false,
      anomaly: 'bytes_after_starttls',
      capsBeforeTls: ['STARTTLS'],
      evidence: [{ kind: 'bytes', bytes: injected.length, sha256: sha256(injected) }],
    })
    expect(wire()).toBe('EHLO [127.0.0.1]\r\nSTARTTLS\r\n')
    expectReleased(socket)
    socket.destroy()
  })

  it('hands over a socket with nothing buffered after a clean 220', async () => {
    const { socket } = await scripted('220 ok\r\n', [
      '250-mx.example.test\r\n250 STARTTLS\r\n',
      '220 2.0.0 Ready to start TLS\r\n',
    ])
    const outcome = await negotiate(socket)
    expect(outcome).toEqual({ ok: true, capsBeforeTls: ['STARTTLS'] })
    expectReleased(socket)
    socket.destroy()
  })

  it('releases the socket when it throws on a negative greeting', async () => {
    const { socket } = await scripted('421 4.3.2 busy\r\n', [])
    await expect(negotiate(socket)).rejects.toMatchObject({ code: 'MUASTS_ERR_PROTOCOL' })
    expectReleased(socket)
    socket.destroy()
  })

  it('names the STARTTLS phase when the deadline fires waiting for the STARTTLS reply', async () => {
    const { socket } = await scripted('220 ok\r\n', ['250-mx.example.test\r\n250 STARTTLS\r\n'])
    const deadline = connectDeadline(300, { what: 'SMTP' })
    deadline.attach(socket)
    const progress: PreTlsProgress = { capsBeforeTls: [] }
    await expect(negotiateStartTls(socket, '[127.0.0.1]', deadline, progress)).rejects.toMatchObject({
      code: 'MUASTS_ERR_CONNECTION',
    })
    // The socket was destroyed by the deadline, whose error names where the server stalled.
    expect(deadline.error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'starttls' } })
    expect(progress.capsBeforeTls).toEqual(['STARTTLS'])
  })
})

describe('negotiateStartTls() per-read backstop', () => {
  // Each read also has its own timer, one second past the deadline, in case the deadline could not
  // destroy the socket (here: never attached). Its error names the reply that never came.
  it.each([
    { step: 'the greeting', greeting: '', replies: [] },
    { step: 'EHLO', greeting: '220 ok\r\n', replies: [] },
    { step: 'STARTTLS', greeting: '220 ok\r\n', replies: ['250-mx.example.test\r\n250 STARTTLS\r\n'] },
  ])('names $step when the server never answers it', async ({ step, greeting, replies }) => {
    const { socket } = await scripted(greeting, [...replies])
    const deadline = connectDeadline(1, { what: 'SMTP' })
    const progress: PreTlsProgress = { capsBeforeTls: [] }
    const error = await negotiateStartTls(socket, '[127.0.0.1]', deadline, progress).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT' })
    expect((error as Error).message).toMatch(
      new RegExp(`^SMTP server did not answer ${step} within \\d+ ms$`),
    )
    socket.destroy()
  })
})
