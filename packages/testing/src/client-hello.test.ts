// A guard regression that sends credentials in cleartext after a positive STARTTLS reply must be
// visible in the fakes' wire logs; these tests play that broken client by hand.
import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { startFakeImap } from './imap-server.js'
import { generatePki } from './pki.js'
import { FakeSmtpServer } from './smtp-server.js'

const pki = await generatePki()

async function talk(port: number, lines: readonly string[], waitFor: RegExp): Promise<void> {
  const s = connect({ host: '127.0.0.1', port })
  let seen = ''
  s.on('data', (d) => {
    seen += d.toString('latin1')
  })
  for (const line of lines) {
    s.write(`${line}\r\n`)
    await new Promise((r) => setTimeout(r, 30))
  }
  for (let i = 0; i < 50 && !waitFor.test(seen); i++) await new Promise((r) => setTimeout(r, 20))
  s.destroy()
  await once(s, 'close')
}

describe('fakes record cleartext sent where a ClientHello belongs', () => {
  it('IMAP: a LOGIN after "OK Begin TLS" is logged in the plain phase', async () => {
    const server = await startFakeImap({ mode: 'starttls', leaf: pki.good })
    await talk(server.port, ['a STARTTLS', 'b LOGIN alice secret'], /^b /m)
    expect(server.sawAny(['LOGIN'], 'plain')).toBe(true)
    expect(server.sawBytes('secret', 'plain')).toBe(true)
    await server.close()
  })

  it('SMTP: an AUTH after "220 Ready to start TLS" is logged in the plain phase', async () => {
    const server = await FakeSmtpServer.start({ mode: 'starttls', leaf: pki.good })
    await talk(server.port, ['EHLO x', 'STARTTLS', 'AUTH PLAIN AGFsaWNlAHNlY3JldA=='], /^(235|535)/m)
    expect(server.commands.some((c) => c.verb === 'AUTH' && c.phase === 'plain')).toBe(true)
    await server.close()
  })
})
