// The DEEP test proxy itself (issue #14 item 8): in front of Dovecot's pop3s and submissions ports it
// adds DEEP / MSTS to CAPA and EHLO, relays everything else, and records what the client sent.
import { connect as connectTls, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'
import { type DeepProxy, startDeepProxy } from './deep-proxy.js'

const pki = testPki()
const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'

/** Sends `command` (unless undefined) and collects lines until `last(line)`. */
function exchange(
  socket: TLSSocket,
  command: string | undefined,
  last: (l: string) => boolean,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = []
    let buf = ''
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('latin1')
      for (let end = buf.indexOf('\n'); end !== -1; end = buf.indexOf('\n')) {
        const line = buf.slice(0, end).replace(/\r$/, '')
        buf = buf.slice(end + 1)
        lines.push(line)
        if (last(line)) {
          socket.off('data', onData)
          resolve(lines)
          return
        }
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    if (command !== undefined) socket.write(`${command}\r\n`)
  })
}

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('the DEEP test proxy', () => {
  let dovecot: Dovecot
  const proxies: DeepProxy[] = []
  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good })
  })
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await dovecot?.stop()
  })
  const start = async (protocol: 'pop3' | 'smtp') => {
    const p = await startDeepProxy({
      protocol,
      backendPort: protocol === 'pop3' ? dovecot.ports.pop3s : dovecot.ports.submissions,
      backendCa: pki.caCert,
      backendName: 'localhost',
      leaf: pki.good,
      deep: DEEP,
      sts: 'tls-version=1.2; tls-cert=pkix',
    })
    proxies.push(p)
    return p
  }
  const dial = (port: number) =>
    connectTls({ host: '127.0.0.1', port, ca: pki.caCert, servername: 'localhost' })

  it('adds DEEP and STS to the POP3 CAPA reply and records the client bytes', async () => {
    const proxy = await start('pop3')
    const s = dial(proxy.port)
    await exchange(s, undefined, (l) => l.startsWith('+OK'))
    const capa = await exchange(s, 'CAPA', (l) => l === '.')
    expect(capa).toContain(`DEEP ${DEEP}`)
    expect(capa).toContain('STS tls-version=1.2; tls-cert=pkix')
    expect(capa.at(-1)).toBe('.')
    await exchange(s, 'QUIT', (l) => l.startsWith('+OK'))
    s.destroy()
    expect(proxy.clientLines()).toEqual(['CAPA', 'QUIT'])
  })

  it('adds DEEP and MSTS to the SMTP EHLO reply before its last line', async () => {
    const proxy = await start('smtp')
    const s = dial(proxy.port)
    await exchange(s, undefined, (l) => l.startsWith('220 '))
    const ehlo = await exchange(s, 'EHLO client.example.test', (l) => l.startsWith('250 '))
    expect(ehlo).toContain(`250-DEEP ${DEEP}`)
    expect(ehlo).toContain('250-MSTS tls-version=1.2; tls-cert=pkix')
    expect(ehlo.at(-1)).toMatch(/^250 /)
    await exchange(s, 'QUIT', (l) => l.startsWith('221'))
    s.destroy()
    expect(proxy.clientLines()).toEqual(['EHLO client.example.test', 'QUIT'])
  })
})
