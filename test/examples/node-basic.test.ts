// examples/node-basic runs for real: FileStore on the real keychain, the guard, an in-process server.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FAKE_PASS, FAKE_USER, startFakeImap } from '@mua-sts/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../examples/node-basic/main.js'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { keytarAvailable } from '../support/keyring.js'

const pki = testPki()
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe.skipIf(!requireOrSkip(await keytarAvailable(), 'gnome-keyring'))('examples/node-basic', () => {
  it('pins, connects, learns the DEEP latches, and refuses a server with an untrusted certificate', async () => {
    const good = await startFakeImap({
      mode: 'implicit',
      leaf: pki.good,
      messages: ['Subject: hi\r\n\r\nhello\r\n'],
      id: { name: 'fake', deep: 'tls12 tls-cert <https://status.example.test/mail>' },
    })
    const storeDir = mkdtempSync(join(tmpdir(), 'mua-sts-example-'))
    dirs.push(storeDir)
    const lines: string[] = []
    const base = {
      host: 'localhost',
      port: good.port,
      user: FAKE_USER,
      pass: FAKE_PASS,
      ca: pki.caCert,
      storeDir,
      log: (l: string) => lines.push(l),
    }
    expect(await main(base)).toBe(0)
    expect(lines).toEqual([
      `pinned imap localhost:${good.port} (implicit TLS, TLS >= 1.2, PKIX + RFC 7817)`,
      'INBOX has 1 message(s); latches now: tls-cert tls12',
    ])
    await good.close()

    // A server with a certificate from another CA: refused before LOGIN, even on first use.
    const evil = await startFakeImap({ mode: 'implicit', leaf: pki.otherCa })
    const freshDir = mkdtempSync(join(tmpdir(), 'mua-sts-example-'))
    dirs.push(freshDir)
    lines.length = 0
    expect(await main({ ...base, port: evil.port, storeDir: freshDir })).toBe(1)
    expect(lines.at(-1)).toMatch(/^MUASTS_ERR_COMMITMENT_VIOLATED: .*certificate_not_trusted/)
    expect(evil.sawAny(['LOGIN', 'AUTHENTICATE', 'ID'])).toBe(false)
    await evil.close()
  })
})
