// Attacks on the cleartext half of a STARTTLS session (RFC 2595 §4; spec digest §2a-I): STLS stripped
// from CAPA, STLS answered with -ERR, and cleartext injected after the STLS +OK (in the same segment
// or a later one). Each is refused with a report before TLS, with only CAPA/STLS on the wire.
// CONTRAST: a deliberately unguarded client (bare-client.ts) sends the password to the same server in
// cleartext, and reads the injected bytes as the post-TLS CAPA.
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPA_BEFORE_TLS,
  FAKE_PASS,
  FAKE_USER,
  type FakePop3Script,
  type FakePop3Server,
  startFakePop3,
} from '../fakes/pop3-server.js'
import { bareConnect } from './bare-client.js'
import { commit, expectNoCredentials, expectRefused, pki } from './harness.js'

const STRIPPED = DEFAULT_CAPA_BEFORE_TLS.filter((c) => c !== 'STLS')
// An injected answer to the post-TLS CAPA: it would make the attacker's DEEP status look post-TLS.
const INJECTED = '+OK\r\nUSER\r\nDEEP tls12 tls-cert <https://evil.example>\r\n.\r\n'

describe.each([
  ['whole replies', undefined],
  ['replies split into 1-byte segments', 1],
])('a STARTTLS commitment under attack before TLS (%s)', (_, segmentBytes) => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })
  const start = async (script: Omit<FakePop3Script, 'mode'>) => {
    server = await startFakePop3({
      mode: 'starttls',
      leaf: pki.good,
      ...(segmentBytes === undefined ? {} : { segmentBytes }),
      ...script,
    })
    return commit(server.port, { transport: 'starttls' })
  }
  const wire = () => server.commands.map((c) => `${c.phase} ${c.verb}`)

  it('refuses a CAPA without STLS (stripping), sending nothing but CAPA', async () => {
    const setup = await start({ capaBeforeTls: STRIPPED })
    const report = await expectRefused(setup, setup.connect(), 'starttls_not_offered')
    expect(report.observed?.transport).toBe('plaintext')
    // Kept for the report as grammar-checked atoms only (issue #13), never used.
    expect(report.observed?.capsBeforeTls).toEqual(STRIPPED.map((c) => c.split(' ')[0]))
    await expectNoCredentials(server)
    expect(wire()).toEqual(['plain CAPA'])
  })

  it('refuses a server that answers CAPA itself with -ERR (no STLS can be listed)', async () => {
    const setup = await start({ capaBeforeTls: 'err' })
    await expectRefused(setup, setup.connect(), 'starttls_not_offered')
    await expectNoCredentials(server)
    expect(wire()).toEqual(['plain CAPA'])
  })

  it('refuses -ERR to STLS, sending nothing after it', async () => {
    const setup = await start({ stlsReply: '-ERR TLS temporarily unavailable' })
    const report = await expectRefused(setup, setup.connect(), 'starttls_refused')
    expect(report.observed?.transport).toBe('plaintext')
    await expectNoCredentials(server)
    expect(wire()).toEqual(['plain CAPA', 'plain STLS'])
  })

  it('refuses cleartext injected right after +OK, and never sends a POP3 command over TLS', async () => {
    const setup = await start({ injectAfterStls: INJECTED })
    const report = await expectRefused(setup, setup.connect(), 'bytes_after_starttls')
    expect(report.observed?.transport).toBe('starttls')
    await expectNoCredentials(server)
    // Whole: caught before the handshake. Trickled: the rest reaches the TLS layer and fails it.
    expect(wire()).toEqual(['plain CAPA', 'plain STLS'])
  })

  it('refuses cleartext after +OK that reaches the TLS layer as a server that did not speak TLS', async () => {
    const setup = await start({
      reply: (cmd) => (cmd.verb === 'STLS' ? ['+OK begin TLS\r\n', '+OK injected\r\n'] : undefined),
    })
    // Honest blame (issue #13): bytes that arrive after the ClientHello was sent are where the
    // ServerHello belongs (tls_handshake_failed); bytes_after_starttls is only for bytes seen before
    // the ClientHello. Which of the two happened depends on when the segments land; never both.
    const report = await expectRefused(setup, setup.connect(), undefined)
    const codes = report.violations.map((v) => v.code)
    expect([['tls_handshake_failed'], ['bytes_after_starttls']]).toContainEqual(codes)
    await expectNoCredentials(server)
    expect(server.commands.filter((c) => c.phase === 'tls')).toEqual([])
    expect(report.observed?.tls).toBeUndefined()
  })

  it.each([
    ['stripped STLS', { capaBeforeTls: STRIPPED }],
    ['-ERR to STLS', { stlsReply: '-ERR no' }],
  ] as const)(
    'CONTRAST: a client that carries on without TLS sends the password in cleartext (%s)',
    async (_, script) => {
      await start(script)
      const bare = await bareConnect(server)
      await bare.login(FAKE_USER, FAKE_PASS)
      bare.close()
      expect(server.bytes('plain').toString()).toContain(`PASS ${FAKE_PASS}`)
    },
  )

  it('CONTRAST: a client that keeps the injected bytes takes the attacker DEEP status for post-TLS', async () => {
    await start({ injectAfterStls: INJECTED, capaAfterTls: ['USER'] })
    const bare = await bareConnect(server)
    bare.close()
    expect(bare.caps).toContain('DEEP tls12 tls-cert <https://evil.example>')
  })
})
