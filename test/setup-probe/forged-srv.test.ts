// Issue #12, as an on-path attacker would try it: the domain publishes a trusted in-domain SRV record
// for mail.example.test; one forged, unsigned SRV answer points to wrong.example.invalid, a host the
// attacker owns, with a valid certificate for its own name, implicit TLS and TLS 1.3 where the
// domain's server offers STARTTLS or TLS 1.2. Real TLS (CAs made at test time), real probes, the
// real IMAP guard as the credential test; the attacker's server byte log is the witness.
import { connectImap } from '@mua-sts/imap'
import {
  confirm,
  type Discovery,
  type DiscoveryFetch,
  discover,
  probe,
  propose,
  type VerifyFn,
} from '@mua-sts/setup'
import { MemoryCommitmentStore } from '@mua-sts/store'
import {
  dnsZone,
  FAKE_PASS,
  FAKE_USER,
  type FakeImapServer,
  generatePki,
  type Pki,
  srv,
  startFakeImap,
} from '@mua-sts/testing'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loopbackLookup, OpenMeter, startTarpit } from './fakes.js'

// One public CA issues both certificates: the attacker's is valid, for its own name only
// (wrong.example.invalid, the test PKI's off-domain leaf); the domain's is for mail.example.test.
const ATTACKER = 'wrong.example.invalid'
let pki: Pki
const trust = () => ({ ca: pki.caCert })
beforeAll(async () => {
  pki = await generatePki(['mail.example.test'])
})
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

const notFound: DiscoveryFetch = async () => ({ status: 404, body: '', validatedHttps: true })

async function server(script: Parameters<typeof startFakeImap>[0]): Promise<FakeImapServer> {
  const s = await startFakeImap(script)
  cleanup.push(() => s.close())
  return s
}

async function discoverWith(records: Parameters<typeof dnsZone>[0]): Promise<Discovery> {
  return discover('alice@example.test', {
    resolver: dnsZone(records),
    fetch: notFound,
    sources: { guess: false, mx: false, autoconfig: false, wellKnown: false },
  })
}

const imapLogin: VerifyFn = async (ctx) => {
  const client = await connectImap({
    account: ctx.account,
    store: ctx.store,
    trust: { ...trust(), lookup: loopbackLookup },
    auth: { user: FAKE_USER, pass: FAKE_PASS },
  })
  await client.logout()
}

/** What the attacker's server received: no login command and not one byte of the password. */
function expectNoCredential(attacker: FakeImapServer): void {
  expect(attacker.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
  expect(attacker.sawBytes(FAKE_PASS)).toBe(false)
  expect(attacker.sawBytes(FAKE_USER)).toBe(false)
}

async function setUp(discovery: Discovery, options: { earlyStop?: boolean } = {}) {
  const results = await probe(discovery.candidates, { trust: trust(), lookup: loopbackLookup, ...options })
  const proposal = propose(discovery, results, { account: 'acct_alice', now: new Date() })
  const store = new MemoryCommitmentStore()
  const outcome = await confirm({ proposal, store, verify: { imap: imapLogin }, confirmed: true })
  return { results, proposal, store, outcome }
}

describe('a forged SRV answer cannot steer setup (#12)', () => {
  it('proposes the trusted STARTTLS server over a forged implicit-TLS 1.3 target, and the attacker never sees a credential', async () => {
    const domain = await server({ mode: 'starttls', leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } })
    const attacker = await server({ mode: 'implicit', leaf: pki.wrongHost })
    const discovery = await discoverWith({
      '_imap._tcp.example.test': { SRV: [srv(0, 1, domain.port, 'mail.example.test')] },
      '_imaps._tcp.example.test': { SRV: [srv(0, 1, attacker.port, ATTACKER)] },
    })
    const { results, proposal, store, outcome } = await setUp(discovery)

    // The trusted probe ran to the end: the attacker's faster, "stronger" answer cancelled nothing.
    const trusted = results.find((r) => r.candidate.host === 'mail.example.test')
    expect(trusted?.status).toBe('compliant')
    expect(proposal.services[0]?.candidate).toMatchObject({
      host: 'mail.example.test',
      transport: 'starttls',
    })
    expect(proposal.confirmations).toEqual([])
    expect(outcome).toMatchObject({ status: 'pinned' })
    expect(await store.list()).toMatchObject([{ endpoint: { host: 'mail.example.test', port: domain.port } }])
    // The forged target is a working server with a valid certificate; it simply does not outrank.
    const forged = results.find((r) => r.candidate.host === ATTACKER)
    expect(forged?.status === 'compliant' || forged?.failure?.code === 'superseded').toBe(true)
    expect(domain.sawAny(['LOGIN', 'AUTHENTICATE'], 'tls')).toBe(true)
    expectNoCredential(attacker)
  })

  it('proposes the trusted TLS 1.2 server over an untrusted TLS 1.3 one', async () => {
    const domain = await server({ mode: 'implicit', leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } })
    const attacker = await server({ mode: 'implicit', leaf: pki.wrongHost })
    // The forged record even claims a better SRV priority than the domain's own.
    const discovery = await discoverWith({
      '_imaps._tcp.example.test': {
        SRV: [srv(0, 1, attacker.port, ATTACKER), srv(10, 1, domain.port, 'mail.example.test')],
      },
    })
    // earlyStop off, so both probes finish and the ranking alone decides.
    const { results, proposal, store, outcome } = await setUp(discovery, { earlyStop: false })
    expect(results.find((r) => r.candidate.host === ATTACKER)).toMatchObject({
      status: 'compliant',
      observation: { tls: { version: 'TLSv1.3' } },
    })
    expect(proposal.services[0]).toMatchObject({
      candidate: { host: 'mail.example.test' },
      tlsVersion: 'TLSv1.2',
    })
    expect(outcome).toMatchObject({ status: 'pinned' })
    expect((await store.get('acct_alice', 'imap'))?.endpoint.host).toBe('mail.example.test')
    expectNoCredential(attacker)
  })

  it('never cancels a trusted probe because an untrusted one answered first', async () => {
    const attacker = await server({ mode: 'implicit', leaf: pki.wrongHost })
    const meter = new OpenMeter()
    const pit = await startTarpit(meter)
    cleanup.push(() => pit.close())
    const discovery = await discoverWith({
      '_imap._tcp.example.test': { SRV: [srv(0, 1, pit.port, 'mail.example.test')] },
      '_imaps._tcp.example.test': { SRV: [srv(0, 1, attacker.port, ATTACKER)] },
    })
    const results = await probe(discovery.candidates, {
      trust: trust(),
      lookup: loopbackLookup,
      timeoutMs: 400,
    })
    const byHost = new Map(results.map((r) => [r.candidate.host, r]))
    expect(byHost.get(ATTACKER)?.status).toBe('compliant')
    // The trusted server ran into its own deadline; before #12 it was cancelled as "superseded".
    expect(byHost.get('mail.example.test')?.failure?.code).toBe('timeout')

    // Only now, with no trusted server working, is the attacker's host proposed, and the proposal
    // says so: a confirmation item and the trusted candidate that failed, with why.
    const proposal = propose(discovery, results, { account: 'acct_alice', now: new Date() })
    expect(proposal.services[0]?.candidate.host).toBe(ATTACKER)
    expect(proposal.services[0]?.trustedFailures).toMatchObject([
      { candidate: { host: 'mail.example.test', transport: 'starttls' }, status: 'failed', code: 'timeout' },
    ])
    expect(proposal.confirmations.map((c) => c.reason)).toEqual(['srv_target_outside_domain'])
    const store = new MemoryCommitmentStore()
    const call = confirm({ proposal, store, verify: { imap: imapLogin }, confirmed: true })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_CONFIRMATION_REQUIRED' })
    expect(await store.list()).toEqual([])
    expectNoCredential(attacker)
  })
})
