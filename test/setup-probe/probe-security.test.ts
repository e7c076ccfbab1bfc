// The probe against adversarial servers (shared fakes, real TLS, test CA): every attack class ends
// `refused` with its own code, is never proposed, and the server's byte log never holds a credential
// command or anything sent after the refusal.
import { type Candidate, type Discovery, probe, propose } from '@mua-sts/setup'
import { type FakeImapScript, type FakeSmtpScript, FakeSmtpServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startFakePop3 } from '../fakes/pop3-server.js'
import { testPki } from '../support/certs.js'
import { candidate, loopbackLookup } from './fakes.js'

const pki = testPki()
const opts = { trust: { ca: pki.caCert }, lookup: loopbackLookup, timeoutMs: 15_000 }
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

const discoveryOf = (candidates: Candidate[]): Discovery => ({
  domain: 'example.test',
  candidates,
  notOffered: [],
  errors: [],
  diagnostics: [],
})
const NOW = '2026-03-01T09:00:00.000Z'

async function imap(script: Partial<FakeImapScript>) {
  const server = await startFakeImap({ mode: 'starttls', leaf: pki.good, ...script })
  cleanup.push(() => server.close())
  return server
}

async function smtp(script: Partial<FakeSmtpScript>) {
  const server = await FakeSmtpServer.start({ mode: 'starttls', leaf: pki.good, ...script })
  cleanup.push(() => server.close())
  return server
}

async function probeOne(c: Candidate) {
  const [result] = await probe([c], opts)
  const proposal = propose(discoveryOf([c]), result === undefined ? [] : [result], {
    account: 'acct_1',
    now: NOW,
  })
  return { result, proposal }
}

const CREDENTIAL_COMMANDS = ['LOGIN', 'AUTHENTICATE']

describe('probe: a STARTTLS IMAP server that is sound', () => {
  it('is compliant, and the wire shows only capability discovery, STARTTLS, ID NIL and LOGOUT', async () => {
    const server = await imap({})
    const c = candidate({ port: server.port, transport: 'starttls' })
    const { result, proposal } = await probeOne(c)
    expect(result).toMatchObject({
      status: 'compliant',
      observation: { transport: 'starttls', serverAuthenticated: true },
    })
    expect(proposal.services.map((s) => s.service)).toEqual(['imap'])
    await vi.waitFor(() => expect(server.sawAny(['LOGOUT'])).toBe(true))
    expect(server.commands().map((cmd) => `${cmd.phase}:${cmd.name} ${cmd.args}`.trim())).toEqual([
      'plain:CAPABILITY',
      'plain:STARTTLS',
      'tls:CAPABILITY',
      'tls:ID NIL',
      'tls:LOGOUT',
    ])
    expect(server.sawAny(CREDENTIAL_COMMANDS)).toBe(false)
  })
})

describe('probe: attack classes are refused and never proposed', () => {
  it('refuses IMAP whose capability list lost STARTTLS (stripping) and sends nothing after CAPABILITY', async () => {
    const server = await imap({ capsBeforeTls: ['IMAP4rev1', 'ID'], capsInGreeting: false })
    const { result, proposal } = await probeOne(candidate({ port: server.port, transport: 'starttls' }))
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'starttls_not_offered' } })
    expect(result?.observation?.capsBeforeTls).toEqual(['IMAP4rev1', 'ID'])
    expect(proposal.services).toEqual([])
    expect(proposal.rejected[0]?.code).toBe('starttls_not_offered')
    expect(server.commands().map((cmd) => cmd.name)).toEqual(['CAPABILITY'])
  })

  it('refuses IMAP PREAUTH before TLS without sending a single command', async () => {
    const server = await imap({ greeting: 'PREAUTH' })
    const { result, proposal } = await probeOne(candidate({ port: server.port, transport: 'starttls' }))
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'preauth_before_tls' } })
    expect(proposal.services).toEqual([])
    expect(server.commands()).toEqual([])
  })

  it('refuses IMAP bytes injected behind the STARTTLS OK and never starts TLS on them', async () => {
    const server = await imap({
      inject: { data: '* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n', when: 'same-segment' },
    })
    const { result, proposal } = await probeOne(candidate({ port: server.port, transport: 'starttls' }))
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'bytes_after_starttls' } })
    expect(result?.observation?.transport).toBe('plaintext')
    expect(proposal.services).toEqual([])
    expect(server.commands().filter((cmd) => cmd.phase === 'tls')).toEqual([])
  })

  it('refuses SMTP that answers STARTTLS with 454, and sends no AUTH', async () => {
    const server = await smtp({ starttlsReply: '454 TLS not available' })
    const c = candidate({ service: 'submission', port: server.port, transport: 'starttls' })
    const { result, proposal } = await probeOne(c)
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'starttls_refused' } })
    expect(proposal.services).toEqual([])
    await server.settled(1)
    expect(server.verbs()).toEqual(['EHLO', 'STARTTLS'])
  })

  it('refuses SMTP bytes injected in the same segment as "220 ready to start TLS"', async () => {
    const server = await smtp({ injectAfterStarttls: '250 AUTH PLAIN\r\n' })
    const c = candidate({ service: 'submission', port: server.port, transport: 'starttls' })
    const { result } = await probeOne(c)
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'bytes_after_starttls' } })
    await server.settled(1)
    expect(server.verbs('tls')).toEqual([])
    expect(server.clientBytes().toString('latin1')).not.toMatch(/AUTH|MAIL FROM/)
  })

  it('refuses POP3 bytes injected behind the STLS +OK and never sends USER, PASS or AUTH', async () => {
    const server = await startFakePop3({ mode: 'starttls', injectAfterStls: '+OK injected\r\n' })
    cleanup.push(() => server.close())
    const c = candidate({ service: 'pop3', port: server.port, transport: 'starttls' })
    const { result } = await probeOne(c)
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'bytes_after_starttls' } })
    await server.connectionsClosed()
    expect(server.sawCredentials()).toBe(false)
    expect(server.commands.map((cmd) => cmd.verb)).toEqual(['CAPA', 'STLS'])
  })

  it.each([
    ['a certificate for another host', pki.wrongHost, 'certificate_host_mismatch'],
    ['an expired certificate', pki.expired, 'certificate_expired'],
    ['a certificate from an untrusted CA', pki.otherCa, 'certificate_not_trusted'],
    ['a self-signed certificate', pki.selfSigned, 'certificate_not_trusted'],
  ])('refuses implicit-TLS IMAP presenting %s and sends no IMAP command', async (_what, leaf, code) => {
    const server = await startFakeImap({ mode: 'implicit', leaf })
    cleanup.push(() => server.close())
    const { result, proposal } = await probeOne(candidate({ port: server.port }))
    expect(result).toMatchObject({ status: 'refused', failure: { code } })
    expect(proposal.services).toEqual([])
    expect(server.commands()).toEqual([])
  })

  it('refuses a STARTTLS SMTP server whose certificate is for another host, after nothing but EHLO and STARTTLS', async () => {
    const server = await smtp({ leaf: pki.wrongHost })
    const c = candidate({ service: 'submission', port: server.port, transport: 'starttls' })
    const { result } = await probeOne(c)
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'certificate_host_mismatch' } })
    await server.settled(1)
    expect(server.verbs()).toEqual(['EHLO', 'STARTTLS'])
  })

  it('refuses a server that only speaks TLS 1.1 (the guards never go below TLS 1.2)', async () => {
    const server = await startFakeImap({
      mode: 'implicit',
      leaf: pki.good,
      tls: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    })
    cleanup.push(() => server.close())
    const { result, proposal } = await probeOne(candidate({ port: server.port }))
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'tls_version_below_floor' } })
    expect(proposal.services).toEqual([])
  })
})
