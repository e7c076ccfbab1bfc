// Certificate and version failures abort in the handshake, before the gate and before any POP3 byte
// over TLS. Uses the test PKI generated at test time (test/support/certs.ts).

import { checkServerIdentity } from 'node:tls'
import { markPassed } from '@mua-sts/transport'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FAKE_PASS, FAKE_USER, type FakePop3Server, startFakePop3 } from '../../../test/fakes/pop3-server.js'
import { testPki } from '../../../test/support/certs.js'
import { establishSession } from './connect.js'
import { Pop3Client, Pop3ErrorCode, type Pop3GateContext } from './index.js'
import {
  nodeTlsOptions,
  Pop3ConnectOptionsSchema,
  parseOptions,
  type SessionConfig,
  servernameFor,
} from './options.js'

const servers: FakePop3Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(script: Parameters<typeof startFakePop3>[0]): Promise<FakePop3Server> {
  const server = await startFakePop3(script)
  servers.push(server)
  return server
}

const pki = testPki()
const badLeaves = {
  'an untrusted CA': pki.otherCa,
  'a self-signed certificate': pki.selfSigned,
  'the wrong host name': pki.wrongHost,
  'an expired certificate': pki.expired,
}

describe.each(['implicit', 'starttls'] as const)('TLS handshake failures over %s', (mode) => {
  it.each(Object.entries(badLeaves))(
    'aborts on %s with tls_handshake_failed and no TLS payload',
    async (_, leaf) => {
      const server = await serve({ mode, leaf })
      const gate = vi.fn(async (_ctx: Pop3GateContext) => {})
      const error = await Pop3Client.connect({ ...server.clientEndpoint(), gate }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        code: Pop3ErrorCode.TlsUnavailable,
        step: 'handshake',
        anomaly: {
          code: 'tls_handshake_failed',
          step: 'handshake',
          transport: mode === 'implicit' ? 'implicit-tls' : 'starttls',
        },
      })
      expect((error as { anomaly: { tlsErrorCode?: string } }).anomaly.tlsErrorCode).toMatch(/^[A-Z_]+$/)
      expect(gate).not.toHaveBeenCalled()
      await server.connectionsClosed()
      expect(server.byteLog.some((e) => e.phase === 'tls')).toBe(false)
      expect(server.sawCredentials()).toBe(false)
    },
  )

  it('refuses a server that only speaks TLS 1.1', async () => {
    const server = await serve({
      mode,
      tlsMinVersion: 'TLSv1.1',
      tlsMaxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    const error = await Pop3Client.connect({ ...server.clientEndpoint(), gate: async () => {} }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ anomaly: { code: 'tls_handshake_failed' } })
    expect((error as { anomaly: { tlsErrorCode?: string } }).anomaly.tlsErrorCode).toMatch(/PROTOCOL/)
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
  })

  it('contrast: the same untrusted certificate passes the handshake when verification is off, and only the gate is left', async () => {
    const server = await serve({ mode, leaf: pki.otherCa })
    const seen: boolean[] = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      tls: { ca: pki.caCert, servername: 'mail.example.test', rejectUnauthorized: false },
      gate: async (ctx) => {
        seen.push(ctx.socket.authorized)
      },
    })
    expect(seen).toEqual([false])
    await client.login({ user: FAKE_USER, pass: FAKE_PASS })
    expect(server.sawCredentials()).toBe(true)
    await client.quit()
  })
})

describe('TLS parameters', () => {
  it('honours maxVersion and shows the negotiated version to the gate', async () => {
    const server = await serve({ mode: 'implicit' })
    const versions: Array<string | null> = []
    const client = await Pop3Client.connect({
      ...server.clientEndpoint(),
      tls: { ca: pki.caCert, servername: 'mail.example.test', maxVersion: 'TLSv1.2' },
      gate: async (ctx) => {
        versions.push(ctx.socket.getProtocol())
      },
    })
    expect(versions).toEqual(['TLSv1.2'])
    client.close()
  })

  it('never resumes a TLS session: each connection does a full handshake with verification', async () => {
    const server = await serve({ mode: 'implicit', tlsMaxVersion: 'TLSv1.2' })
    const reused: boolean[] = []
    for (let i = 0; i < 2; i++) {
      const client = await Pop3Client.connect({
        ...server.clientEndpoint(),
        gate: async (ctx) => {
          reused.push(ctx.socket.isSessionReused())
        },
      })
      await client.quit()
    }
    expect(reused).toEqual([false, false])
  })

  it('checks the certificate against servername, not the IP it connected to', async () => {
    const server = await serve({ mode: 'implicit' })
    const error = await Pop3Client.connect({
      ...server.clientEndpoint(),
      tls: { ca: pki.caCert, servername: 'imap.other.invalid' },
      gate: async () => {},
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      anomaly: { code: 'tls_handshake_failed', tlsErrorCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    })
  })

  it('runs the check after the handshake callback returned, so our TLS 1.3 Finished leaves first', async () => {
    // Node writes the client Finished once the callback that completed the handshake (checkServerIdentity,
    // 'secureConnect' and their microtasks) has returned. A check inside it would delay Finished and so
    // the server's reply (issue #17). `inCallback` is true from the identity check until the next turn.
    const server = await serve({ mode: 'implicit' })
    const o = parseOptions(
      Pop3ConnectOptionsSchema,
      { ...server.clientEndpoint(), gate: async () => {} },
      'test',
    )
    let inCallback = false
    const checkedInCallback: boolean[] = []
    const tls = nodeTlsOptions(o, servernameFor(o))
    const config: SessionConfig = {
      transport: o.transport,
      dial: { host: o.host, port: o.port },
      tls: {
        ...tls,
        checkServerIdentity: (host, cert) => {
          inCallback = true
          setImmediate(() => {
            inCallback = false
          })
          return checkServerIdentity(host, cert)
        },
      },
      onSecure: (socket) => {
        checkedInCallback.push(inCallback)
        markPassed(socket)
      },
      gate: async (ctx) => markPassed(ctx.socket),
      timeouts: o.timeouts,
      limits: o.limits,
    }
    const session = await establishSession(config)
    session.wire.end()
    expect(checkedInCallback).toEqual([false])
    expect(server.sawCredentials()).toBe(false)
  })
})
