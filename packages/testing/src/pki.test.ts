import { once } from 'node:events'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { generatePki, type PkiLeaf } from './pki.js'

async function handshake(leaf: PkiLeaf, ca: string, servername = 'mail.example.test'): Promise<string> {
  const server = tls.createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const sock = tls.connect({ host: '127.0.0.1', port, ca, servername })
  try {
    await once(sock, 'secureConnect')
    return 'ok'
  } catch (e) {
    return String((e as { code?: string }).code)
  } finally {
    sock.destroy()
    server.close()
  }
}

describe('generatePki()', async () => {
  const pki = await generatePki()

  it('issues a leaf that Node accepts for its names under the CA', async () => {
    expect(await handshake(pki.good, pki.caCert)).toBe('ok')
    expect(await handshake(pki.good, pki.caCert, 'localhost')).toBe('ok')
  })

  it('issues the failure classes the guards must refuse', async () => {
    expect(await handshake(pki.wrongHost, pki.caCert)).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    expect(await handshake(pki.expired, pki.caCert)).toBe('CERT_HAS_EXPIRED')
    expect(await handshake(pki.otherCa, pki.caCert)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })

  it('gives re-keyed leaves a different SPKI pin', () => {
    expect(pki.rekeyed.spki).not.toBe(pki.good.spki)
    expect(pki.good.spki).toMatch(/^[A-Za-z0-9+/]{43}=$/)
  })
})
