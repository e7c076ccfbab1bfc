// The setup wizard after discovery: probe → propose → confirm, with the IMAP guard (@mua-sts/imap)
// as the credential test. RFC 8314 §5.1: credentials are tested only over a session that meets the
// proposed commitment; nothing is pinned before the user confirmed and the test passed.
import { connectImap } from '@mua-sts/imap'
import { type Candidate, confirm, type Discovery, probe, propose, type VerifyFn } from '@mua-sts/setup'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'

const pki = testPki()
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

// discover() refuses single-label SRV targets, and the guarded client resolves the committed host
// itself, so the discovery is written out: an SRV record pointing at localhost, outside example.test,
// which the user has to confirm (RFC 6186 §6). discover() itself is covered in test/setup/.
async function wizard(port: number) {
  const candidate: Candidate = {
    service: 'imap',
    host: 'localhost',
    port,
    transport: 'implicit-tls',
    source: 'srv',
    trust: { level: 'needs-confirmation', reason: 'srv_target_outside_domain' },
    priority: 0,
  }
  const discovery: Discovery = {
    domain: 'example.test',
    candidates: [candidate],
    notOffered: [],
    errors: [],
    diagnostics: [],
  }
  const results = await probe(discovery.candidates, { trust: { ca: pki.caCert } })
  return propose(discovery, results, { account: 'acct_alice', now: new Date() })
}

const imapLogin =
  (pass: string): VerifyFn =>
  async (ctx) => {
    const client = await connectImap({
      account: ctx.account,
      store: ctx.store,
      trust: { ca: pki.caCert },
      auth: { user: FAKE_USER, pass },
    })
    await client.logout()
  }

describe('setup wizard end to end', () => {
  it('proposes the SRV target, asks to confirm it, tests the password through the guard and only then pins', async () => {
    const server = await startFakeImap({
      mode: 'implicit',
      leaf: pki.good,
      id: { name: 'fake', deep: 'tls12 tls-cert' },
    })
    cleanup.push(() => server.close())
    const proposal = await wizard(server.port)
    const [imap] = proposal.services
    expect(imap?.candidate).toMatchObject<Partial<Candidate>>({ host: 'localhost', port: server.port })
    expect(proposal.confirmations.map((c) => c.id)).toEqual([
      `imap/srv_target_outside_domain/localhost:${server.port}`,
    ])

    const store = new MemoryCommitmentStore()
    const verify = { imap: imapLogin(FAKE_PASS) }
    await expect(confirm({ proposal, store, verify, confirmed: true })).rejects.toMatchObject({
      code: 'MUASTS_ERR_CONFIRMATION_REQUIRED',
    })
    expect(server.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
    expect(await store.list()).toEqual([])

    const acknowledged = proposal.confirmations.map((c) => c.id)
    const result = await confirm({ proposal, store, verify, confirmed: true, acknowledged })
    expect(result.status).toBe('pinned')
    const pinned = await store.get('acct_alice', 'imap')
    expect(pinned).toMatchObject({
      endpoint: { host: 'localhost', port: server.port, transport: 'implicit-tls' },
      latches: ['tls-cert', 'tls12'],
    })
    expect(server.sawAny(['LOGIN', 'AUTHENTICATE'], 'tls')).toBe(true)
  })

  it('pins nothing when the password is wrong', async () => {
    const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    cleanup.push(() => server.close())
    const proposal = await wizard(server.port)
    const store = new MemoryCommitmentStore()
    const acknowledged = proposal.confirmations.map((c) => c.id)
    const result = await confirm({
      proposal,
      store,
      verify: { imap: imapLogin('wrong') },
      confirmed: true,
      acknowledged,
    })
    expect(result.status).toBe('not-pinned')
    expect(await store.list()).toEqual([])
  })

  it('sends no credential when the server changed to a bad certificate between probe and confirm', async () => {
    const good = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    const proposal = await wizard(good.port)
    const port = good.port
    await good.close()
    // Same port, now a certificate for another host: the verify's guarded session must refuse first.
    const impostor = await startFakeImapOn(port)
    cleanup.push(() => impostor.close())
    const store = new MemoryCommitmentStore()
    const acknowledged = proposal.confirmations.map((c) => c.id)
    const result = await confirm({
      proposal,
      store,
      verify: { imap: imapLogin(FAKE_PASS) },
      confirmed: true,
      acknowledged,
    })
    expect(result).toMatchObject({
      status: 'not-pinned',
      failures: [{ service: 'imap', code: 'MUASTS_ERR_COMMITMENT_VIOLATED' }],
    })
    expect(impostor.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
    expect(await store.list()).toEqual([])
  })
})

// The shared fake binds port 0; to reuse a port, put a plain TLS forwarder there in front of a fake.
async function startFakeImapOn(port: number) {
  const inner = await startFakeImap({ mode: 'implicit', leaf: pki.wrongHost })
  const { createServer, connect } = await import('node:net')
  const front = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: inner.port })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve))
  return {
    sawAny: inner.sawAny,
    close: async () => {
      await new Promise<void>((resolve) => front.close(() => resolve()))
      await inner.close()
    },
  }
}
