// DEEP -04 §7.1 in-band reporting: when the server IS authenticated (PKIX-valid, right name) but a
// latched requirement fails (SPKI pin, tls-dane-tlsa), the guard sends exactly one ID carrying
// `latch-fail`, then LOGOUT, and never authenticates. Each has a CONTRAST run through bare imapflow.
import { renderIdParams } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { bareImapflow, commit, expectNoCredentials, expectRefused, pki, sawCredentials } from './harness.js'

const MODES = [
  ['implicit-tls', 'implicit'],
  ['starttls', 'starttls'],
] as const

describe.each(MODES)('in-band latch-failure report on a %s commitment', (transport, mode) => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })
  const tlsCommands = () =>
    server
      .commands()
      .filter((c) => c.phase === 'tls')
      .map((c) => `${c.name} ${c.args}`.trim())

  it('reports a re-keyed server (SPKI pin mismatch) with ID latch-fail spki-pin, then LOGOUT, no LOGIN', async () => {
    server = await startFakeImap({ mode, leaf: pki.rekeyed })
    const setup = await commit(server.port, { transport, pins: [pki.good.spki] })
    const report = await expectRefused(setup, setup.connect(), 'spki_pin_mismatch')
    expect(report.action).toBe('blocked_before_auth_reported_in_band')
    expect(report.observed?.serverAuthenticated).toBe(true)
    const idFields = report.inBand?.idFields ?? {}
    expect(idFields).toEqual({
      name: 'mua-sts',
      version: expect.any(String),
      'latch-fail': 'spki-pin',
      'security-tags': 'tls11 tls12 tls-cert',
    })
    expect(tlsCommands()).toEqual([`ID ${renderIdParams(idFields)}`, 'LOGOUT'])
    expect(tlsCommands()[0]).toMatch(/^ID \("name" "mua-sts" "version" "[^"]+" "latch-fail" "spki-pin" /)
    expectNoAuthentication(server)
  })

  it('reports an unsatisfiable tls-dane-tlsa latch (no DANE validator) the same way', async () => {
    server = await startFakeImap({ mode, leaf: pki.good })
    const setup = await commit(server.port, { transport, latches: ['tls-dane-tlsa'] })
    const report = await expectRefused(setup, setup.connect(), 'dane_unsatisfied')
    expect(report.inBand?.idFields['latch-fail']).toBe('tls-dane-tlsa')
    expect(report.inBand?.idFields['latch']).toBe('tls-dane-tlsa')
    expect(tlsCommands()).toEqual([`ID ${renderIdParams(report.inBand?.idFields ?? {})}`, 'LOGOUT'])
    expectNoAuthentication(server)
  })

  it('sends nothing at all after a failed certificate, even with a pin configured', async () => {
    server = await startFakeImap({ mode, leaf: pki.otherCa })
    const setup = await commit(server.port, { transport, pins: [pki.good.spki] })
    const report = await expectRefused(setup, setup.connect(), 'certificate_not_trusted')
    expect(report.inBand).toBeNull()
    expect(tlsCommands()).toEqual([])
    expectNoCredentials(server)
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
