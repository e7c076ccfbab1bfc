// DEEP -04 §5.1: a status is latched only if it was read after TLS from an authenticated server.
// The probe reads it over TLS (IMAP ID NIL, post-TLS CAPA, post-TLS EHLO) and propose() turns it into
// latches through core strengthen(); whatever a server says in cleartext teaches nothing.
import { type Candidate, type Discovery, probe, propose } from '@mua-sts/setup'
import { FakeSmtpServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_CAPA_AFTER_TLS, DEFAULT_CAPA_BEFORE_TLS, startFakePop3 } from '../fakes/pop3-server.js'
import { testPki } from '../support/certs.js'
import { candidate, loopbackLookup } from './fakes.js'

const pki = testPki()
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

const STATUS = 'tls12 tls-cert <https://status.example.test/mail>'
const NOW = '2026-03-01T09:00:00.000Z'

async function proposeFor(c: Candidate) {
  const results = await probe([c], { trust: { ca: pki.caCert }, lookup: loopbackLookup })
  const discovery: Discovery = {
    domain: 'example.test',
    candidates: [c],
    notOffered: [],
    errors: [],
    diagnostics: [],
  }
  return { result: results[0], proposal: propose(discovery, results, { account: 'acct_1', now: NOW }) }
}

describe('probe: DEEP / STS advertisements are learned only after TLS', () => {
  it('latches the DEEP status from the IMAP ID response over TLS, with its status URL', async () => {
    const server = await startFakeImap({
      mode: 'starttls',
      leaf: pki.good,
      id: { name: 'fake', deep: STATUS },
    })
    cleanup.push(() => server.close())
    const { result, proposal } = await proposeFor(candidate({ port: server.port, transport: 'starttls' }))
    expect(result?.observation?.advertisement).toEqual({
      deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.test/mail' },
    })
    const [imap] = proposal.services
    expect(imap?.commitment.latches).toEqual(['tls-cert', 'tls12'])
    expect(imap?.commitment.statusUrl?.url).toBe('https://status.example.test/mail')
    expect(imap?.learned).toEqual(expect.arrayContaining(['latch:tls12', 'latch:tls-cert']))
  })

  it('treats a DEEP status pushed before TLS as an injection and refuses, instead of learning it', async () => {
    const server = await startFakeImap({
      mode: 'starttls',
      leaf: pki.good,
      afterGreeting: [`* ID ("deep" "${STATUS}")`],
    })
    cleanup.push(() => server.close())
    const { result, proposal } = await proposeFor(candidate({ port: server.port, transport: 'starttls' }))
    expect(result).toMatchObject({ status: 'refused', failure: { code: 'untagged_before_tls' } })
    expect(proposal.services).toEqual([])
  })

  it('ignores DEEP in the cleartext EHLO of a submission server and learns nothing', async () => {
    const server = await FakeSmtpServer.start({
      mode: 'starttls',
      leaf: pki.good,
      ehloBeforeTls: ['STARTTLS', `DEEP ${STATUS}`, 'MSTS tls-version=1.3; tls-cert=pkix'],
      ehloAfterTls: ['AUTH PLAIN'],
    })
    cleanup.push(() => server.close())
    const c = candidate({ service: 'submission', port: server.port, transport: 'starttls' })
    const { result, proposal } = await proposeFor(c)
    expect(result?.status).toBe('compliant')
    expect(result?.observation?.advertisement).toBeUndefined()
    // Pre-TLS capabilities are evidence only: the keyword is kept, its (attacker-controllable) value is not.
    expect(result?.observation?.capsBeforeTls).toEqual(['STARTTLS', 'DEEP', 'MSTS'])
    expect(proposal.services[0]?.commitment).toMatchObject({ latches: [], directives: {} })
    expect(proposal.services[0]?.learned).toEqual([])
  })

  it('learns DEEP latches and MSTS directives from the EHLO sent again over TLS', async () => {
    const server = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.good,
      ehloAfterTls: [`DEEP ${STATUS}`, 'MSTS tls-version=1.2; tls-cert=pkix', 'AUTH PLAIN'],
    })
    cleanup.push(() => server.close())
    const { proposal } = await proposeFor(candidate({ service: 'submission', port: server.port }))
    expect(proposal.services[0]?.commitment).toMatchObject({
      latches: ['tls-cert', 'tls12'],
      directives: { tlsVersion: '1.2', tlsCert: 'pkix' },
    })
    expect(server.verbs()).not.toContain('AUTH')
  })

  it('reads the POP3 DEEP line only from the CAPA repeated after STLS', async () => {
    const server = await startFakePop3({
      mode: 'starttls',
      capaBeforeTls: [...DEFAULT_CAPA_BEFORE_TLS, 'DEEP tls11'],
      capaAfterTls: [...DEFAULT_CAPA_AFTER_TLS, `DEEP ${STATUS}`],
    })
    cleanup.push(() => server.close())
    const { proposal } = await proposeFor(
      candidate({ service: 'pop3', port: server.port, transport: 'starttls' }),
    )
    expect(proposal.services[0]?.commitment.latches).toEqual(['tls-cert', 'tls12'])
    await server.connectionsClosed()
    expect(server.commands.map((cmd) => `${cmd.phase}:${cmd.verb}`)).toEqual([
      'plain:CAPA',
      'plain:STLS',
      'tls:CAPA',
      'tls:QUIT',
    ])
    expect(server.sawCredentials()).toBe(false)
  })
})
