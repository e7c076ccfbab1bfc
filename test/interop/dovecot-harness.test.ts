// Smoke test of the Dovecot harness itself: every port speaks real TLS with the test PKI, the DEEP
// status reaches the IMAP ID response, delivery and relaying work, and a certificate swap takes
// effect. Interop suites build on these guarantees, so they are checked against the real binary.
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type TLSSocket } from 'node:tls'
import { createTransport } from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type Dovecot, dovecotAvailable, startDovecot } from '../support/dovecot.js'

const SERVERNAME = 'mail.example.test'
const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'

/** Reads CRLF lines from a socket; `until` resolves with all lines up to the first matching one. */
function lines(socket: Socket) {
  let buffered = ''
  const waiting: Array<() => void> = []
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    for (const wake of waiting.splice(0)) wake()
  })
  const take = (): string | undefined => {
    const end = buffered.indexOf('\r\n')
    if (end < 0) return undefined
    const line = buffered.slice(0, end)
    buffered = buffered.slice(end + 2)
    return line
  }
  return {
    async until(match: RegExp): Promise<string[]> {
      const seen: string[] = []
      for (;;) {
        const line = take()
        if (line === undefined) {
          await new Promise<void>((resolve, reject) => {
            waiting.push(resolve)
            socket.once('close', () =>
              reject(new Error(`closed before ${match}; saw ${JSON.stringify(seen)}`)),
            )
          })
          continue
        }
        seen.push(line)
        if (match.test(line)) return seen
      }
    },
    /** Unread bytes; must be empty before a STARTTLS handshake (RFC 3501 §6.2.1 injection check). */
    pending: () => buffered,
  }
}

function tlsTo(port: number, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, servername: SERVERNAME, ca })
    socket.once('secureConnect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function tcpTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function refusesConnections(port: number): Promise<boolean> {
  return tcpTo(port).then(
    (socket) => {
      socket.destroy()
      return false
    },
    () => true,
  )
}

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('Dovecot harness', () => {
  const pki = testPki()
  let dovecot: Dovecot

  beforeAll(async () => {
    dovecot = await startDovecot({ leaf: pki.good, deepStatus: DEEP })
  })
  afterAll(async () => {
    await dovecot?.stop()
  })

  it('greets over implicit TLS on imaps with a certificate that chains to the test CA', async () => {
    const socket = await tlsTo(dovecot.ports.imaps, pki.caCert)
    expect(socket.authorized).toBe(true)
    expect(socket.getPeerCertificate().fingerprint256).toBe(new X509Certificate(pki.good.cert).fingerprint256)
    const [greeting] = await lines(socket).until(/^\* OK/)
    expect(greeting).toMatch(/^\* OK \[CAPABILITY .*\bDEEP\b/)
    socket.destroy()
  })

  it('answers ID NIL with the configured deep field', async () => {
    const socket = await tlsTo(dovecot.ports.imaps, pki.caCert)
    const reader = lines(socket)
    await reader.until(/^\* OK/)
    socket.write('a ID NIL\r\n')
    const response = await reader.until(/^a /)
    expect(response.at(-1)).toMatch(/^a OK/)
    expect(response.find((l) => l.startsWith('* ID '))).toContain(`"deep" "${DEEP}"`)
    socket.destroy()
  })

  it('greets over implicit TLS on pop3s and submissions', async () => {
    const pop3 = await tlsTo(dovecot.ports.pop3s, pki.caCert)
    expect((await lines(pop3).until(/./))[0]).toMatch(/^\+OK /)
    pop3.destroy()
    const submission = await tlsTo(dovecot.ports.submissions, pki.caCert)
    expect((await lines(submission).until(/^220 /))[0]).toMatch(/^220 mail\.example\.test /)
    submission.destroy()
  })

  it('upgrades the cleartext imap port with STARTTLS to the same certificate', async () => {
    const plain = await tcpTo(dovecot.ports.imap)
    const reader = lines(plain)
    await reader.until(/^\* OK/)
    plain.write('s STARTTLS\r\n')
    expect((await reader.until(/^s /)).at(-1)).toMatch(/^s OK/)
    expect(reader.pending()).toBe('')
    plain.removeAllListeners('data')
    const secured = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connectTls({ socket: plain, servername: SERVERNAME, ca: pki.caCert })
      s.once('secureConnect', () => resolve(s))
      s.once('error', reject)
    })
    expect(secured.authorized).toBe(true)
    const after = lines(secured)
    secured.write('c CAPABILITY\r\n')
    expect((await after.until(/^c /)).at(-1)).toMatch(/^c OK/)
    secured.destroy()
  })

  it('makes a delivered message visible to IMAP SELECT and POP3 STAT', async () => {
    await dovecot.deliver('From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nbody\r\n')

    const imap = await tlsTo(dovecot.ports.imaps, pki.caCert)
    const i = lines(imap)
    await i.until(/^\* OK/)
    imap.write(`l LOGIN "${dovecot.user}" "${dovecot.password}"\r\n`)
    expect((await i.until(/^l /)).at(-1)).toMatch(/^l OK/)
    imap.write('s SELECT INBOX\r\n')
    const selected = await i.until(/^s /)
    expect(selected).toContain('* 1 EXISTS')
    imap.destroy()

    const pop3 = await tlsTo(dovecot.ports.pop3s, pki.caCert)
    const p = lines(pop3)
    await p.until(/^\+OK/)
    pop3.write(`USER ${dovecot.user}\r\n`)
    await p.until(/^\+OK/)
    pop3.write(`PASS ${dovecot.password}\r\n`)
    await p.until(/^\+OK/)
    pop3.write('STAT\r\n')
    expect((await p.until(/^[+-]/)).at(-1)).toMatch(/^\+OK 1 \d+$/)
    pop3.destroy()
  })

  it('relays an authenticated submission to the in-process sink', async () => {
    const transport = createTransport({
      host: '127.0.0.1',
      port: dovecot.ports.submissions,
      secure: true,
      auth: { user: dovecot.user, pass: dovecot.password },
      tls: { servername: SERVERNAME, ca: pki.caCert },
    })
    await transport.sendMail({
      from: 'alice@example.test',
      to: 'bob@example.test',
      subject: 'relay',
      text: 'x',
    })
    transport.close()
    expect(dovecot.relayed).toHaveLength(1)
    expect(dovecot.relayed[0]?.from).toBe('alice@example.test')
    expect(dovecot.relayed[0]?.to).toEqual(['bob@example.test'])
    expect(dovecot.relayed[0]?.data.toString('utf8')).toContain('Subject: relay')
  })
})

describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('Dovecot harness lifecycle', () => {
  const pki = testPki()

  // Each login failure gets its own instance: after a failed login Dovecot's anvil auth penalty
  // delays later logins from 127.0.0.1 on that instance by seconds.
  it.each([
    ['a wrong password', (d: Dovecot) => `"${d.user}" "not-the-password"`],
    ['an unknown user', (d: Dovecot) => `"bob@example.test" "${d.password}"`],
  ])('rejects a login with %s, because only the configured account exists', async (_, credentials) => {
    const dovecot = await startDovecot({ leaf: pki.good })
    try {
      const imap = await tlsTo(dovecot.ports.imaps, pki.caCert)
      const i = lines(imap)
      await i.until(/^\* OK/)
      imap.write(`l LOGIN ${credentials(dovecot)}\r\n`)
      expect((await i.until(/^l /)).at(-1)).toMatch(/^l NO \[AUTHENTICATIONFAILED\]/)
      imap.destroy()
    } finally {
      await dovecot.stop()
    }
  })

  it('presents the new certificate on every TLS port after swapCertificate', async () => {
    const dovecot = await startDovecot({ leaf: pki.good })
    try {
      await dovecot.swapCertificate(pki.otherCa)
      for (const port of [dovecot.ports.imaps, dovecot.ports.pop3s, dovecot.ports.submissions]) {
        const socket = await tlsTo(port, pki.otherCaCert)
        expect(socket.authorized).toBe(true)
        expect(socket.getPeerCertificate().subject.CN).toBe('mail.example.test')
        socket.destroy()
      }
      await expect(tlsTo(dovecot.ports.imaps, pki.caCert)).rejects.toThrow(/certificate/)
    } finally {
      await dovecot.stop()
    }
  })

  it('runs two instances side by side and stop() frees the ports and the temp dir', async () => {
    const [a, b] = await Promise.all([startDovecot({ leaf: pki.good }), startDovecot({ leaf: pki.rekeyed })])
    const aPorts = Object.values(a.ports)
    expect(new Set([...aPorts, ...Object.values(b.ports)]).size).toBe(12)
    await a.stop()
    expect(existsSync(a.mailDir)).toBe(false)
    for (const port of aPorts) expect(await refusesConnections(port)).toBe(true)
    const stillServing = await tlsTo(b.ports.imaps, pki.caCert)
    expect(stillServing.authorized).toBe(true)
    stillServing.destroy()
    await b.stop()
  })
})
