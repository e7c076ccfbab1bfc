// The cleartext STARTTLS dialog against a hostile peer: attacker text never becomes the app's error
// message, and an endless reply cannot grow memory or stall the event loop.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { negotiateStartTls } from './starttls.js'

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
    const error = (await negotiateStartTls(socket, '[127.0.0.1]', 2000).catch((e: unknown) => e)) as Error
    expect((error as { code?: string }).code).toBe('MUASTS_ERR_PROTOCOL')
    expect(error.message).toBe('SMTP greeting was not 220 (got 554)')
    socket.destroy()
  })

  it('refuses a reply that never ends instead of buffering it without bound', async () => {
    const socket = await peer((s) => {
      s.write('220-')
      const chunk = Buffer.alloc(8192, 'x')
      for (let i = 0; i < 16; i++) s.write(chunk)
    })
    const error = await negotiateStartTls(socket, '[127.0.0.1]', 2000).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'MUASTS_ERR_PROTOCOL',
      message: expect.stringContaining('without a complete reply'),
    })
    socket.destroy()
  })
})
