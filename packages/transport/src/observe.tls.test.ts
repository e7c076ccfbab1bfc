// Real TLS against an in-process server with the test CA: what observe*() records for each certificate.
import { once } from 'node:events'
import tls from 'node:tls'
import { type Commitment, ErrorCode, evaluate, ObservationSchema } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Leaf, testPki } from '../../../test/support/certs.js'
import { commitment, FACTS } from './observe.fixtures.js'
import { observeHandshakeFailure, observePreTls, observeSecureSocket, type SessionFacts } from './observe.js'
import { createTlsParams } from './tls-params.js'

const pki = testPki()
const servers: tls.Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

async function server(leaf: Leaf, opts: tls.TlsOptions = {}): Promise<number> {
  const s = tls.createServer({ key: leaf.key, cert: leaf.cert, ...opts }, (sock) => sock.end())
  servers.push(s)
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  return (s.address() as { port: number }).port
}

async function observe(c: Commitment) {
  const params = createTlsParams(c, { ca: pki.caCert })
  const facts: SessionFacts = { service: 'imap', endpoint: c.endpoint, transport: 'implicit-tls' }
  const sock = tls.connect({ ...params.options, host: '127.0.0.1' })
  try {
    await once(sock, 'secureConnect')
    return observeSecureSocket(sock, params, facts)
  } catch (error) {
    return observeHandshakeFailure(error, params, facts)
  } finally {
    sock.destroy()
  }
}

describe('observing live TLS sessions', () => {
  it('records version, cipher strength, chain, RFC 7817 identity and SPKI for a good server', async () => {
    const c = commitment(await server(pki.good))
    const o = await observe(c)
    expect(o).toMatchObject({
      transport: 'implicit-tls',
      tls: { version: 'TLSv1.3', cipherBits: expect.any(Number) },
      certificate: {
        chainTrusted: true,
        expired: false,
        nameMatch: true,
        matchedIdentity: 'localhost',
        spkiSha256: pki.good.spki,
      },
      serverAuthenticated: true,
    })
    expect(o.tls?.cipherBits).toBeGreaterThanOrEqual(128)
    expect(evaluate(c, o).outcome).toBe('ok')
  })

  it('dials through an injected lookup but still checks the committed name (RFC 7817)', async () => {
    const port = await server(pki.good)
    const c = {
      ...commitment(port),
      endpoint: { host: 'mail.example.test', port, transport: 'implicit-tls' as const },
    }
    const asked: string[] = []
    const lookup = ((host: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
      asked.push(host)
      // Node >= 20 asks for all addresses (happy eyeballs); answer both shapes.
      if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }])
      else cb(null, '127.0.0.1', 4)
    }) as unknown as import('node:net').LookupFunction
    const params = createTlsParams(c, { ca: pki.caCert, lookup })
    const sock = tls.connect(params.options)
    await once(sock, 'secureConnect')
    const o = observeSecureSocket(sock, params, {
      service: 'imap',
      endpoint: c.endpoint,
      transport: 'implicit-tls',
    })
    sock.destroy()
    expect(asked).toEqual(['mail.example.test'])
    expect(o.certificate).toMatchObject({ nameMatch: true, matchedIdentity: 'mail.example.test' })
  })

  it('sees a re-keyed server (valid chain and name) and lets evaluate refuse it by pin', async () => {
    const port = await server(pki.rekeyed)
    const c = commitment(port, { pins: { spki: [pki.good.spki], backup: [] } })
    const o = await observe(c)
    expect(o.serverAuthenticated).toBe(true)
    expect(o.certificate?.spkiSha256).toBe(pki.rekeyed.spki)
    expect(evaluate(c, o)).toMatchObject({ outcome: 'violated', violations: [{ code: 'spki_pin_mismatch' }] })
  })

  it.each([
    ['wrongHost', 'certificate_host_mismatch'],
    ['expired', 'certificate_expired'],
    ['otherCa', 'certificate_not_trusted'],
    ['selfSigned', 'certificate_not_trusted'],
  ] as const)(
    'refuses the %s certificate inside the handshake and classifies it as %s',
    async (leaf, code) => {
      const c = commitment(await server(pki[leaf]))
      const o = await observe(c)
      expect(o.serverAuthenticated).toBe(false)
      expect(o.tls).toBeUndefined()
      expect(evaluate(c, o)).toMatchObject({ outcome: 'violated', violations: [{ code }] })
    },
  )

  it('keeps the SPKI of a wrong-host certificate for the report', async () => {
    const o = await observe(commitment(await server(pki.wrongHost)))
    expect(o.certificate).toMatchObject({
      chainTrusted: true,
      nameMatch: false,
      spkiSha256: pki.wrongHost.spki,
    })
  })

  it('refuses a TLS 1.2-only server once TLS 1.3 is committed (downgrade)', async () => {
    const port = await server(pki.good, { maxVersion: 'TLSv1.2' })
    const c = commitment(port, { tlsFloor: 'TLSv1.3' })
    const o = await observe(c)
    expect(evaluate(c, o)).toMatchObject({
      outcome: 'violated',
      violations: [{ code: 'tls_version_below_floor' }],
    })
  })

  it('refuses a TLS 1.1-only server under the RFC 8997 floor', async () => {
    const port = await server(pki.good, {
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    const c = commitment(port)
    const o = await observe(c)
    expect(o.handshakeError).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
    expect(evaluate(c, o)).toMatchObject({
      outcome: 'violated',
      violations: [{ code: 'tls_version_below_floor' }],
    })
  })

  it('accepts TLS 1.2 at the RFC 8997 floor', async () => {
    const c = commitment(await server(pki.good, { maxVersion: 'TLSv1.2' }))
    const o = await observe(c)
    expect(o.tls?.version).toBe('TLSv1.2')
    expect(evaluate(c, o).outcome).toBe('ok')
  })
})

describe('a TLS socket that closed before the check', () => {
  it('is a coded connection error, never a TypeError from a null cipher (issue #13)', async () => {
    const c = commitment(await server(pki.good))
    const params = createTlsParams(c, { ca: pki.caCert })
    const sock = tls.connect({ ...params.options, host: '127.0.0.1' })
    await once(sock, 'secureConnect')
    sock.destroy()
    const facts: SessionFacts = { service: 'imap', endpoint: c.endpoint, transport: 'implicit-tls' }
    expect(() => observeSecureSocket(sock, params, facts)).toThrow(
      expect.objectContaining({ code: ErrorCode.Connection, details: { phase: 'check' } }),
    )
    // Even if the socket claims to be open, a missing cipher is not guessed.
    const fake = {
      destroyed: false,
      getCipher: () => null,
      getProtocol: () => null,
    } as unknown as tls.TLSSocket
    expect(() => observeSecureSocket(fake, params, facts)).toThrow(
      expect.objectContaining({ code: ErrorCode.Connection }),
    )
  })

  it('keeps only grammar atoms of pre-TLS capabilities and evidence as given', () => {
    const o = observePreTls({
      service: 'imap',
      endpoint: { host: 'localhost', port: 143 },
      transport: 'plaintext',
      capsBeforeTls: ['IMAP4rev1', '<img/src=x/onerror=alert(1)>', '\x1b[31mRED', 'STARTTLS'],
      capsAfterTls: ['IDLE\x1b[2J<b>'],
      anomalies: ['untagged_before_tls'],
      evidence: [{ kind: 'CAPABILITY', bytes: 10, sha256: 'a'.repeat(64) }],
    })
    expect(o.capsBeforeTls).toEqual(['IMAP4rev1', 'STARTTLS'])
    expect(o.capsAfterTls).toEqual(['IDLE[2Jb'])
    expect(o.evidence).toEqual([{ kind: 'CAPABILITY', bytes: 10, sha256: 'a'.repeat(64) }])
    expect(ObservationSchema.parse(o)).toEqual(o)
  })
})

describe('shared secure contexts', () => {
  it('still validate every handshake in full: no resumption, identity checked each time', async () => {
    const port = await server(pki.good)
    const c = commitment(port)
    for (let i = 0; i < 2; i++) {
      const params = createTlsParams(c, { ca: pki.caCert })
      const sock = tls.connect({ ...params.options, host: '127.0.0.1' })
      await once(sock, 'secureConnect')
      expect(sock.isSessionReused()).toBe(false)
      expect(params.identity.nameMatch).toBe(true)
      sock.destroy()
    }
    expect(createTlsParams(c, { ca: pki.caCert }).options.secureContext).toBe(
      createTlsParams(c, { ca: pki.caCert }).options.secureContext,
    )
  })

  it('keep the TLS floor in the shared context (a TLS 1.2 server fails a 1.3 commitment)', async () => {
    const port = await server(pki.good, { maxVersion: 'TLSv1.2' })
    const o = await observe(commitment(port, { tlsFloor: 'TLSv1.3' }))
    expect(o.tls).toBeUndefined()
    expect(o.handshakeError).toMatch(/PROTOCOL|VERSION/)
  })

  it('keep the trust anchors in the shared context (an untrusted CA still fails)', async () => {
    const o = await observe(commitment(await server(pki.otherCa)))
    expect(o.certificate).toMatchObject({ chainTrusted: false })
  })
})

/** A completed handshake on which the chain check did not abort (in-band mode 'spec', DANE-only). */
async function observeCompleted(leaf: Leaf, serverOpts: tls.TlsOptions = {}) {
  const c = commitment(await server(leaf, serverOpts))
  const params = createTlsParams(c, { ca: pki.caCert })
  params.options.rejectUnauthorized = false
  const sock = tls.connect({ ...params.options, host: '127.0.0.1' })
  try {
    await once(sock, 'secureConnect')
    return { o: observeSecureSocket(sock, params, { ...FACTS, endpoint: c.endpoint }), c, sock }
  } finally {
    sock.destroy()
  }
}

describe('a handshake that completed with an unverified chain (in-band mode spec, DANE-only)', () => {
  it('records an expired chain as expired and untrusted, with no identity it never checked', async () => {
    const { o, c } = await observeCompleted(pki.expired)
    expect(o.certificate).toStrictEqual({
      chainTrusted: false,
      chainError: 'CERT_HAS_EXPIRED',
      expired: true,
      nameMatch: null,
    })
    expect(evaluate(c, o)).toMatchObject({
      outcome: 'violated',
      violations: [{ code: 'certificate_expired' }],
    })
  })

  it('records a chain from another CA as untrusted but not expired', async () => {
    const { o } = await observeCompleted(pki.otherCa)
    expect(o.certificate).toStrictEqual({
      chainTrusted: false,
      chainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      expired: false,
      nameMatch: null,
    })
  })

  it('records a trusted chain for another name as a name mismatch, not as an untrusted chain', async () => {
    const { o } = await observeCompleted(pki.wrongHost)
    expect(o.certificate).toStrictEqual({
      chainTrusted: true,
      expired: false,
      nameMatch: false,
      spkiSha256: pki.wrongHost.spki,
    })
  })

  it('records the IANA cipher name of a TLS 1.2 session (not the OpenSSL one)', async () => {
    const { o } = await observeCompleted(pki.good, { maxVersion: 'TLSv1.2' })
    expect(o.tls?.version).toBe('TLSv1.2')
    expect(o.tls?.cipher).toMatch(/^TLS_ECDHE_/)
  })
})
