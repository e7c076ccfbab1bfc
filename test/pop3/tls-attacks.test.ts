// Attacks on the TLS session itself, over both committed modes: an impostor's certificate (untrusted
// CA, expired, wrong name, self-signed), a re-keyed server where the commitment pins the key, a TLS
// version below the floor or below a committed TLS 1.3, and a STARTTLS-only server where implicit TLS
// is committed. Each is refused with a report before any USER/PASS/AUTH, and each has a CONTRAST run
// through the raw Pop3Client with a gate that always passes (what the app gets without the Guard).
import { afterEach, describe, expect, it } from 'vitest'
import { type FakePop3Script, type FakePop3Server, startFakePop3 } from '../fakes/pop3-server.js'
import {
  type CommitOptions,
  commit,
  expectNoCredentials,
  expectRefused,
  pki,
  rawClientLogin,
} from './harness.js'

const MODES = [
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const

describe.each(MODES)('TLS attacks on a %s commitment', (transport, mode) => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })
  const start = async (
    script: Omit<FakePop3Script, 'mode'>,
    extra: Omit<CommitOptions, 'transport'> = {},
  ) => {
    server = await startFakePop3({ mode, ...script })
    return commit(server.port, { transport, ...extra })
  }
  /** Nothing at all over TLS: the refusal came before the post-TLS CAPA. */
  const expectNothingOverTls = async () => {
    await expectNoCredentials(server)
    expect(server.commands.filter((c) => c.phase === 'tls')).toEqual([])
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
    expect(report.observed?.transport).toBe(transport)
    expect(report.inBand).toBeNull() // the peer may be the attacker
    await expectNothingOverTls()
  })

  it('refuses a valid chain issued for another name (RFC 7817)', async () => {
    const setup = await start({ leaf: pki.wrongHost })
    const report = await expectRefused(setup, setup.connect(), 'certificate_host_mismatch')
    expect(report.observed?.certificate?.nameMatch).toBe(false)
    await expectNothingOverTls()
  })

  it('CONTRAST: the raw client with verification off and a pass-all gate logs in to the impostor', async () => {
    await start({ leaf: pki.otherCa })
    const { error } = await rawClientLogin(server, {
      tls: { ca: pki.caCert, servername: 'localhost', rejectUnauthorized: false },
    })
    expect(error).toBeUndefined()
    expect(server.sawCredentials()).toBe(true)
  })

  it('refuses a re-keyed certificate where the commitment pins the key, before the post-TLS CAPA', async () => {
    const setup = await start({ leaf: pki.rekeyed }, { pins: [pki.good.spki] })
    const report = await expectRefused(setup, setup.connect(), 'spki_pin_mismatch')
    expect(report.observed?.certificate?.spkiSha256).toBe(pki.rekeyed.spki)
    // Nothing is sent in-band even though the server is PKIX-valid: POP3 has no in-band report.
    await expectNothingOverTls()
  })

  it('CONTRAST: the raw client with default TLS options logs in to the re-keyed server', async () => {
    await start({ leaf: pki.rekeyed })
    const { error } = await rawClientLogin(server)
    expect(error).toBeUndefined()
    expect(server.sawCredentials()).toBe(true)
  })

  it('refuses a server that only speaks TLS 1.1', async () => {
    const setup = await start({
      leaf: pki.good,
      tlsMinVersion: 'TLSv1.1',
      tlsMaxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    const report = await expectRefused(setup, setup.connect(), 'tls_version_below_floor')
    expect(report.violations[0]?.expected).toBe('>= TLSv1.2')
    await expectNothingOverTls()
  })

  it('refuses TLS 1.2 when the commitment requires TLS 1.3', async () => {
    const setup = await start({ leaf: pki.good, tlsMaxVersion: 'TLSv1.2' }, { tlsFloor: 'TLSv1.3' })
    const report = await expectRefused(setup, setup.connect(), 'tls_version_below_floor')
    expect(report.violations[0]?.expected).toBe('>= TLSv1.3')
    expect(report.inBand).toBeNull() // a refused version never completes a handshake
    await expectNothingOverTls()
  })

  it('CONTRAST: the raw client with default TLS options logs in over TLS 1.2', async () => {
    await start({ leaf: pki.good, tlsMaxVersion: 'TLSv1.2' })
    const versions: Array<string | null> = []
    const { error } = await rawClientLogin(server, {
      gate: async (ctx) => {
        versions.push(ctx.socket.getProtocol())
      },
    })
    expect(error).toBeUndefined()
    expect(versions).toEqual(['TLSv1.2'])
    expect(server.sawCredentials()).toBe(true)
  })
})

describe('a STARTTLS-only server on an endpoint committed to implicit TLS', () => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })

  it('is refused: the guard starts TLS at once and never sends STLS, CAPA or a credential', async () => {
    server = await startFakePop3({ mode: 'starttls', leaf: pki.good })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const report = await expectRefused(setup, setup.connect(), 'tls_handshake_failed')
    expect(report.observed?.transport).toBe('implicit-tls')
    expect(report.observed?.handshakeError).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
    await expectNoCredentials(server)
    // Only the ClientHello reached the cleartext server; it never saw a POP3 command.
    expect(server.commands.filter((c) => ['CAPA', 'STLS'].includes(c.verb))).toEqual([])
  })

  it('CONTRAST: the raw client told to use STLS (the usual fallback) logs in', async () => {
    server = await startFakePop3({ mode: 'starttls', leaf: pki.good })
    const { error } = await rawClientLogin(server, { transport: 'starttls' })
    expect(error).toBeUndefined()
    expect(server.sawCredentials()).toBe(true)
  })
})
