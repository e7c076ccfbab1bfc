// DEEP -04 §7.1 / issue #14 in-band reporting over IMAP, against a real TLS fake server that records
// every decrypted byte. A refused session sends `ID` carrying exactly the latched registered tags that
// failed (`latch-fail`), only where the post-TLS capabilities list ID and DEEP, then LOGOUT, and never
// authenticates. An SPKI pin failure crosses nothing after the handshake. The report claims an in-band
// message only when one was written, and `report.inBand` is exactly what was written.
import { renderIdParams } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { bareImapflow, commit, expectNoCredentials, expectRefused, pki, sawCredentials } from './harness.js'

const MODES = [
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const
const DEEP_CAPS = ['IMAP4rev1', 'ID', 'DEEP', 'AUTH=PLAIN']

describe.each(MODES)('in-band failure report on a %s commitment', (transport, mode) => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })
  const tlsCommands = () =>
    server
      .commands()
      .filter((c) => c.phase === 'tls')
      .map((c) => `${c.name} ${c.args}`.trim())
  // After STARTTLS there is no greeting to carry capabilities, so the exchange asks for them.
  const ask = transport === 'starttls' ? ['CAPABILITY'] : []

  it('sends nothing at all after the handshake when the only failure is an SPKI pin', async () => {
    server = await startFakeImap({ mode, leaf: pki.rekeyed, capsAfterTls: DEEP_CAPS })
    const setup = await commit(server.port, { transport, pins: [pki.good.spki], latches: ['tls12'] })
    const report = await expectRefused(setup, setup.connect({ inBand: 'spec' }), 'spki_pin_mismatch')
    expect(report.action).toBe('blocked_before_auth')
    expect(report.inBand).toBeNull()
    expect(tlsCommands()).toEqual([])
    expect(server.received.filter((r) => r.phase === 'tls')).toEqual([])
    expectNoCredentials(server)
  })

  it('reports a failed tls-dane-tlsa latch with ID latch-fail to a server listing ID and DEEP', async () => {
    server = await startFakeImap({ mode, leaf: pki.good, capsAfterTls: DEEP_CAPS })
    const setup = await commit(server.port, { transport, latches: ['tls-dane-tlsa'] })
    const report = await expectRefused(setup, setup.connect(), 'dane_unsatisfied')
    expect(report.action).toBe('blocked_before_auth_reported_in_band')
    expect(report.inBand?.idFields).toEqual({
      name: 'mua-sts',
      version: expect.any(String),
      'latch-fail': 'tls-dane-tlsa',
    })
    const id = `ID ${renderIdParams(report.inBand?.idFields ?? {})}`
    expect(tlsCommands()).toEqual([...ask, id, 'LOGOUT'])
    expect(id).toMatch(/^ID \("name" "mua-sts" "version" "[^"]+" "latch-fail" "tls-dane-tlsa"\)$/)
    expectNoAuthentication(server)
  })

  it('sends no failure ID where DEEP is not listed, and then claims nothing in band', async () => {
    server = await startFakeImap({ mode, leaf: pki.good }) // ID, no DEEP
    const setup = await commit(server.port, { transport, latches: ['tls-dane-tlsa'] })
    const report = await expectRefused(setup, setup.connect(), 'dane_unsatisfied')
    expect(report.action).toBe('blocked_before_auth')
    expect(report.inBand).toBeNull()
    expect(tlsCommands()).toEqual([...ask, 'LOGOUT'])
    expectNoAuthentication(server)
  })

  it("mode 'spec': an expired certificate after a tls-cert latch sends latch-fail=tls-cert, then LOGOUT", async () => {
    server = await startFakeImap({ mode, leaf: pki.expired, capsAfterTls: DEEP_CAPS })
    const setup = await commit(server.port, { transport, latches: ['tls-cert', 'tls12'] })
    const report = await expectRefused(setup, setup.connect({ inBand: 'spec' }), 'certificate_expired')
    expect(report.observed?.serverAuthenticated).toBe(false)
    expect(report.action).toBe('blocked_before_auth_reported_in_band')
    const fields = report.inBand?.idFields ?? {}
    expect(fields['latch-fail']).toBe('tls-cert')
    expect(tlsCommands()).toEqual([...ask, `ID ${renderIdParams(fields)}`, 'LOGOUT'])
    expectNoAuthentication(server)
  })

  it('default mode: the same expired certificate gets nothing at all after the handshake', async () => {
    server = await startFakeImap({ mode, leaf: pki.expired, capsAfterTls: DEEP_CAPS })
    const setup = await commit(server.port, { transport, latches: ['tls-cert', 'tls12'] })
    const report = await expectRefused(setup, setup.connect(), 'certificate_expired')
    expect(report.action).toBe('blocked_before_auth')
    expect(report.inBand).toBeNull()
    expect(tlsCommands()).toEqual([])
    expectNoCredentials(server)
  })

  it("mode 'never': nothing is sent even to an authenticated server", async () => {
    server = await startFakeImap({ mode, leaf: pki.good, capsAfterTls: DEEP_CAPS })
    const setup = await commit(server.port, { transport, latches: ['tls-dane-tlsa'] })
    const report = await expectRefused(setup, setup.connect({ inBand: 'never' }), 'dane_unsatisfied')
    expect(report.inBand).toBeNull()
    expect(tlsCommands()).toEqual([])
  })

  it('CONTRAST: bare imapflow trusting the CA logs in to the re-keyed server', async () => {
    server = await startFakeImap({ mode, leaf: pki.rekeyed })
    const secure = transport === 'implicit-tls'
    const { client, error } = await bareImapflow(server, {
      secure,
      ...(secure ? {} : { doSTARTTLS: true }),
      tls: { ca: pki.caCert, servername: 'localhost' },
    })
    expect(error).toBeUndefined()
    expect(sawCredentials(server, 'tls')).toBe(true)
    client.close()
  })
})

/** No LOGIN/AUTHENTICATE and no password; the in-band ID itself is expected here. */
function expectNoAuthentication(server: FakeImapServer): void {
  expect(server.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
  expect(sawCredentials(server)).toBe(false)
}
