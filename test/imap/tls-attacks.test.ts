// Attacks on the TLS session itself, over both committed modes: an impostor's certificate (untrusted
// CA, expired, wrong name, self-signed), a TLS version below the floor, and a server that only speaks
// STARTTLS where implicit TLS is committed. Each is refused before any post-TLS byte; each guarded
// test has a CONTRAST run through bare imapflow with the options apps commonly pass.

import { type FakeImapScript, type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bareImapflow,
  commit,
  expectNoCredentials,
  expectRefused,
  negotiatedProtocol,
  pki,
  sawCredentials,
} from './harness.js'

const MODES = [
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const

describe.each(MODES)('TLS attacks on a %s commitment', (transport, mode) => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })
  const start = async (script: Omit<FakeImapScript, 'mode'>, tlsFloor?: 'TLSv1.3') => {
    server = await startFakeImap({ mode, ...script })
    return commit(server.port, { transport, ...(tlsFloor === undefined ? {} : { tlsFloor }) })
  }
  const secure = transport === 'implicit-tls'
  /** Only STARTTLS may have sent anything, and only before TLS. */
  const expectNothingAfterTls = () => {
    expectNoCredentials(server)
    expect(server.commands().filter((c) => c.phase === 'tls')).toEqual([])
  }

  it.each([
    [
      'a CA the account does not trust',
      pki.otherCa,
      'certificate_not_trusted',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
    ['an expired certificate', pki.expired, 'certificate_expired', 'CERT_HAS_EXPIRED'],
    ['a self-signed certificate', pki.selfSigned, 'certificate_not_trusted', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ] as const)('refuses %s', async (_, leaf, code, chainError) => {
    const setup = await start({ leaf })
    const report = await expectRefused(setup, setup.connect(), code)
    expect(report.observed?.certificate?.chainError).toBe(chainError)
    expect(report.inBand).toBeNull() // the peer may be the attacker: nothing is sent to it
    expectNothingAfterTls()
  })

  it('refuses a valid chain issued for another name (RFC 7817)', async () => {
    const setup = await start({ leaf: pki.wrongHost })
    const report = await expectRefused(setup, setup.connect(), 'certificate_host_mismatch')
    expect(report.observed?.certificate?.nameMatch).toBe(false)
    expectNothingAfterTls()
  })

  it('CONTRAST: bare imapflow with tls.rejectUnauthorized:false logs in to the impostor', async () => {
    await start({ leaf: pki.otherCa })
    const { client, error } = await bareImapflow(server, {
      secure,
      ...(secure ? {} : { doSTARTTLS: true }),
      tls: { rejectUnauthorized: false },
    })
    expect(error).toBeUndefined()
    expect(sawCredentials(server, 'tls')).toBe(true)
    client.close()
  })

  it('refuses a server that only speaks TLS 1.1', async () => {
    const tls = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const
    const setup = await start({ leaf: pki.good, tls })
    const report = await expectRefused(setup, setup.connect(), 'tls_version_below_floor')
    expect(report.violations[0]?.expected).toBe('>= TLSv1.2')
    expectNothingAfterTls()
  })

  it('CONTRAST: bare imapflow configured for legacy servers logs in over TLS 1.1', async () => {
    await start({
      leaf: pki.good,
      tls: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    })
    const { client, error } = await bareImapflow(server, {
      secure,
      ...(secure ? {} : { doSTARTTLS: true }),
      tls: { ca: pki.caCert, servername: 'localhost', minVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    })
    expect(error).toBeUndefined()
    expect(negotiatedProtocol(client)).toBe('TLSv1.1')
    expect(sawCredentials(server, 'tls')).toBe(true)
    client.close()
  })

  it('refuses TLS 1.2 when the commitment requires TLS 1.3', async () => {
    const setup = await start({ leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } }, 'TLSv1.3')
    const report = await expectRefused(setup, setup.connect(), 'tls_version_below_floor')
    expect(report.violations[0]?.expected).toBe('>= TLSv1.3')
    // A version the client refuses never completes a handshake, so nothing can be sent in-band.
    expect(report.inBand).toBeNull()
    expectNothingAfterTls()
  })

  it('CONTRAST: bare imapflow with default TLS options logs in over TLS 1.2', async () => {
    await start({ leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } })
    const { client, error } = await bareImapflow(server, {
      secure,
      ...(secure ? {} : { doSTARTTLS: true }),
      tls: { ca: pki.caCert, servername: 'localhost' },
    })
    expect(error).toBeUndefined()
    expect(negotiatedProtocol(client)).toBe('TLSv1.2')
    expect(sawCredentials(server, 'tls')).toBe(true)
    client.close()
  })
})

describe('a STARTTLS-only server on an endpoint committed to implicit TLS', () => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })

  it('is refused: the guard starts TLS at once and never sends STARTTLS or any IMAP command', async () => {
    server = await startFakeImap({ mode: 'starttls', leaf: pki.good })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const report = await expectRefused(setup, setup.connect(), undefined)
    expect(report.observed?.transport).toBe('implicit-tls')
    expect(report.observed?.handshakeError).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
    expect(server.commands()).toEqual([])
    expectNoCredentials(server)
  })

  it('CONTRAST: bare imapflow with secure:false (the usual fallback) logs in over STARTTLS', async () => {
    server = await startFakeImap({ mode: 'starttls', leaf: pki.good })
    const { client, error } = await bareImapflow(server, {
      secure: false,
      tls: { ca: pki.caCert, servername: 'localhost' },
    })
    expect(error).toBeUndefined()
    expect(server.sawAny(['STARTTLS'], 'plain')).toBe(true)
    expect(sawCredentials(server, 'tls')).toBe(true)
    client.close()
  })
})
