// What a DANE-checked handshake (#15) contributes to the observation: the DANE status, and for a chain
// Node never verified (a DANE-only commitment), the RFC 7817 name check and the key that Node's own
// identity callback would have recorded. Real TLS servers; TLSA answers from an in-process resolver
// that sets the AD bit (real DNSSEC is test/dane/guarded-dane.test.ts).
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { type Commitment, createCommitment, evaluate } from '@mua-sts/core'
import { type TlsaRecord, tlsaRecordFor, validatingResolver } from '@mua-sts/dane'
import { afterEach, describe, expect, it } from 'vitest'
import { privateHierarchy, selfSigned } from '../../../test/dane/support/chains.js'
import { type HeldResolver, startHeldResolver } from '../../../test/dane/support/held-resolver.js'
import { loopbackLookup } from '../../../test/setup-probe/fakes.js'
import { spkiOf, testPki } from '../../../test/support/certs.js'
import { daneReady } from './dane-gate.js'
import { observeSecureSocket } from './observe.js'
import { createTlsParams } from './tls-params.js'

const HOST = 'ee.example.test'
const pki = testPki()
const CLOCK = new Date('2030-06-01T00:00:00.000Z')
const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function resolver(records: readonly TlsaRecord[]): Promise<HeldResolver> {
  const r = await startHeldResolver(records)
  r.release()
  closers.push(() => r.close())
  return r
}

async function server(key: string, cert: string): Promise<number> {
  const s = tls.createServer({ key, cert }, (sock) => sock.end())
  closers.push(() => new Promise((resolve) => s.close(resolve)))
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  return (s.address() as { port: number }).port
}

function commitment(port: number, latches: string[]): Commitment {
  const c = createCommitment({
    account: 'acct_t',
    service: 'imap',
    host: HOST,
    port,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  return { ...c, latches: [...latches].sort() }
}

/** Connects with the guard's parameters, waits for the TLSA answer, and observes. */
async function observe(c: Commitment, r: HeldResolver) {
  const params = createTlsParams(
    c,
    { ca: pki.caCert, lookup: loopbackLookup },
    { resolver: validatingResolver({ address: r.address }), now: () => CLOCK },
  )
  const sock = tls.connect(params.options)
  try {
    await once(sock, 'secureConnect')
    await daneReady(params.dane, sock)
    return observeSecureSocket(sock, params, {
      service: 'imap',
      endpoint: c.endpoint,
      transport: 'implicit-tls',
    })
  } finally {
    sock.destroy()
  }
}

const DANE_ONLY = ['tls12', 'tls-dane-tlsa']

describe('a DANE-only commitment (the handshake does not verify the chain)', () => {
  it('records the name check and key Node skipped, so a self-signed DANE-EE server passes', async () => {
    const leaf = await selfSigned([HOST])
    const c = commitment(await server(leaf.key, leaf.pem), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(leaf.der, 3, 1, 1)]))
    expect(o.dane).toEqual({ status: 'valid' })
    expect(o.certificate).toStrictEqual({
      chainTrusted: false,
      chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      expired: false,
      nameMatch: true,
      matchedIdentity: HOST,
      spkiSha256: spkiOf(leaf.pem),
    })
    expect(evaluate(c, o).outcome).toBe('ok')
  })

  it('records a name mismatch even when the TLSA record matches (DANE-EE does not check names)', async () => {
    const leaf = await selfSigned(['other.example.test'])
    const c = commitment(await server(leaf.key, leaf.pem), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(leaf.der, 3, 1, 1)]))
    expect(o.dane).toEqual({ status: 'valid' })
    expect(o.certificate).toStrictEqual({
      chainTrusted: false,
      chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      expired: false,
      nameMatch: false,
      spkiSha256: spkiOf(leaf.pem),
    })
  })

  it('falls back to the subject CN of a certificate without DNS names (RFC 6125 §6.4.4)', async () => {
    const { key, pem } = opensslSelfSigned(`/CN=${HOST}`)
    const c = commitment(await server(key, pem), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(pemToDer(pem), 3, 1, 1)]))
    expect(new X509Certificate(pem).subjectAltName).toBeUndefined()
    expect(o.certificate).toMatchObject({ nameMatch: true, matchedIdentity: HOST })
  })

  it('does not take a CN from a subject with several CNs (RFC 6125 §6.4.4 needs one)', async () => {
    const { key, pem } = opensslSelfSigned(`/CN=other.example.test/CN=${HOST}`)
    const c = commitment(await server(key, pem), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(pemToDer(pem), 3, 1, 1)]))
    expect(o.dane).toEqual({ status: 'valid' })
    expect(o.certificate).toMatchObject({ nameMatch: false })
    expect(o.certificate).not.toHaveProperty('matchedIdentity')
  })
})

describe('DANE-TA (usage 2) checks the names against the committed host (RFC 7671 §5.2.2)', () => {
  it.each([
    [HOST, 'valid'],
    ['other.example.test', 'invalid'],
  ] as const)('a private-CA leaf for %s is %s', async (name, status) => {
    const { intermediate, leaf } = await privateHierarchy([name])
    const c = commitment(await server(leaf.key, leaf.pem + intermediate.pem), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(intermediate.der, 2, 0, 1)]))
    expect(o.dane?.status).toBe(status)
  })
})

describe('PKIX-EE (usage 1) needs the handshake to have verified chain and name (RFC 7671 §5.1)', () => {
  it('is valid on a CA-issued certificate the handshake verified, keeping Node identity facts', async () => {
    const c = commitment(await server(pki.good.key, pki.good.cert), ['tls12', 'tls-cert', 'tls-dane-tlsa'])
    const o = await observe(c, await resolver([tlsaRecordFor(pemToDer(pki.good.cert), 1, 1, 1)]))
    expect(o.dane).toEqual({ status: 'valid' })
    expect(o.certificate).toStrictEqual({
      chainTrusted: true,
      expired: false,
      nameMatch: true,
      matchedIdentity: HOST,
      spkiSha256: pki.good.spki,
    })
  })

  it('is not valid on a chain the handshake did not verify, even though the record matches the leaf', async () => {
    const c = commitment(await server(pki.otherCa.key, pki.otherCa.cert), DANE_ONLY)
    const o = await observe(c, await resolver([tlsaRecordFor(pemToDer(pki.otherCa.cert), 1, 1, 1)]))
    expect(o.dane?.status).toBe('invalid')
    expect(evaluate(c, o).outcome).toBe('violated')
  })
})

describe('waiting for the TLSA answer (#15 item 1)', () => {
  /** A completed handshake whose TLSA question is still unanswered. */
  async function pending() {
    const r = await startHeldResolver([])
    closers.push(() => r.close())
    const c = commitment(await server(pki.good.key, pki.good.cert), ['tls12', 'tls-cert', 'tls-dane-tlsa'])
    const params = createTlsParams(
      c,
      { ca: pki.caCert, lookup: loopbackLookup },
      // The lookup's own timeout is far beyond the test's: only the socket's close can end the wait.
      { resolver: validatingResolver({ address: r.address, timeoutMs: 60_000 }), now: () => CLOCK },
    )
    const sock = tls.connect(params.options)
    await once(sock, 'secureConnect')
    return { r, params, sock }
  }

  it('ends when the socket closes meanwhile, cancelling the lookup', async () => {
    const { r, params, sock } = await pending()
    const ready = daneReady(params.dane, sock)
    expect(ready).toBeInstanceOf(Promise)
    sock.destroy()
    await ready
    await params.dane?.answer
    expect(params.dane?.settled).toBe(true)
    expect(params.dane?.lookup).toBeUndefined()
    expect(r.answered).toBe(0)
  })

  it('ends when the answer arrives, and leaves no listener on the socket', async () => {
    const { r, params, sock } = await pending()
    const listeners = sock.listenerCount('close')
    const ready = daneReady(params.dane, sock)
    expect(sock.listenerCount('close')).toBe(listeners + 1)
    r.release()
    await ready
    expect(params.dane?.lookup).toMatchObject({ status: 'no-records' })
    expect(sock.listenerCount('close')).toBe(listeners)
    sock.destroy()
  })

  it('ends at once for a socket that already closed', async () => {
    const { r, params, sock } = await pending()
    sock.destroy()
    await once(sock, 'close')
    await daneReady(params.dane, sock)
    await params.dane?.answer
    expect(params.dane?.settled).toBe(true)
    expect(params.dane?.lookup).toBeUndefined()
    expect(r.answered).toBe(0)
  })
})

describe('the DANE clock', () => {
  it('is the one the guard was given (DANE-TA validity is judged by it)', async () => {
    const r = await resolver([])
    const c = commitment(993, DANE_ONLY)
    const params = createTlsParams(
      c,
      {},
      { resolver: validatingResolver({ address: r.address }), now: () => CLOCK },
    )
    expect(params.dane?.now()).toBe(CLOCK)
    params.dane?.cancel()
    await params.dane?.answer
  })
})

/** A self-signed certificate with exactly this subject and no subjectAltName (openssl's defaults). */
function opensslSelfSigned(subject: string): { key: string; pem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-subject-'))
  try {
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem'])
    openssl(['req', '-x509', '-new', '-key', 'k.pem', '-subj', subject, '-days', '30', '-out', 'c.pem'])
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), pem: readFileSync(join(dir, 'c.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw)
}
