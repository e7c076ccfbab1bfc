// Re-running setup with SPKI pinning over a pinned account (#12 review, moved from test/review/):
// the join of {leaf, B1} with a proposal of {leaf, B2} would keep {leaf} alone, pinning neither what
// the user confirmed nor any backup (RFC 7469 §4.3), while confirm() answered `pinned`. Now confirm()
// refuses with MUASTS_ERR_COMMITMENT_CONFLICT naming rotatePins before any credential test, the store
// keeps {leaf, B1}, and after the audited rotatePins ceremony the same setup pins exactly what was
// confirmed. Real TLS (test CA made at test time), real probe, real IMAP guard, MemoryCommitmentStore.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { type Commitment, isSdkError, type SdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { type Candidate, confirm, type Discovery, probe, propose, type VerifyFn } from '@mua-sts/setup'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, startFakeImap } from '@mua-sts/testing'
import { afterAll, afterEach, expect, it } from 'vitest'
import { loopbackLookup } from '../setup-probe/fakes.js'
import { generateTestPki } from '../support/certs.js'

// Own PKI, removed after the file: the shared testPki() relies on process 'exit', which a vitest
// worker does not always reach.
const pki = generateTestPki()
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }))
const trust = () => ({ ca: [pki.caCert] })
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

const imapLogin: VerifyFn = async (ctx) => {
  const client = await connectImap({
    account: ctx.account,
    store: ctx.store,
    trust: { ...trust(), lookup: loopbackLookup },
    auth: { user: FAKE_USER, pass: FAKE_PASS },
  })
  await client.logout()
}

async function setupWithBackup(store: MemoryCommitmentStore, c: Candidate, backup: string) {
  const discovery: Discovery = {
    domain: 'example.test',
    candidates: [c],
    notOffered: [],
    errors: [],
    diagnostics: [],
  }
  const results = await probe(discovery.candidates, { trust: trust(), lookup: loopbackLookup })
  const proposal = propose(discovery, results, {
    account: 'acct_alice',
    now: new Date(),
    spkiPinning: { backup: [backup] },
  })
  const outcome = await confirm({ proposal, store, verify: { imap: imapLogin }, confirmed: true }).catch(
    (e: unknown) => e,
  )
  return { proposal, outcome }
}

it('a new backup pin over a pinned account: conflict naming rotatePins, then exactly what was confirmed', async () => {
  const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  cleanup.push(() => server.close())
  const logins = () => server.commands().filter((c) => c.name === 'LOGIN' || c.name === 'AUTHENTICATE').length
  const c: Candidate = {
    service: 'imap',
    host: 'mail.example.test',
    port: server.port,
    transport: 'implicit-tls',
    source: 'srv',
    trust: { level: 'trusted', reason: 'srv_target_in_domain' },
    priority: 0,
  }
  const store = new MemoryCommitmentStore()
  const b1 = randomBytes(32).toString('base64')
  const b2 = randomBytes(32).toString('base64')
  const first = await setupWithBackup(store, c, b1)
  expect(first.outcome).toMatchObject({ status: 'pinned' })
  const before = (await store.get('acct_alice', 'imap')) as Commitment
  expect(before.pins).toEqual({ spki: [pki.good.spki], backup: [b1] })
  const loginsBefore = logins()
  expect(loginsBefore).toBeGreaterThan(0)

  // The user re-runs setup (e.g. the B1 backup key was lost) and confirms leaf + backup B2.
  const second = await setupWithBackup(store, c, b2)
  expect(second.proposal.services[0]?.commitment.pins).toEqual({ spki: [pki.good.spki], backup: [b2] })
  expect(isSdkError(second.outcome, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
  expect((second.outcome as SdkError).details).toMatchObject({
    reason: 'pins_changed',
    ceremony: 'rotatePins',
    pins: { spki: [pki.good.spki], backup: [b1] },
    proposedPins: { spki: [pki.good.spki], backup: [b2] },
  })
  // Before any credential test, and nothing changed.
  expect(logins()).toBe(loginsBefore)
  expect(await store.list()).toEqual([before])

  // The ceremony the error names, then the same setup: the store holds exactly what was confirmed.
  const { confirmation } = await store.requestForget('acct_alice', 'imap')
  await store.rotatePins(
    { confirmation, account: 'acct_alice', service: 'imap', actor: 'user', reason: 'backup key lost' },
    { spki: [pki.good.spki], backup: [b2] },
  )
  const third = await setupWithBackup(store, c, b2)
  expect(third.outcome).toMatchObject({ status: 'pinned' })
  const held = (await store.get('acct_alice', 'imap')) as Commitment
  expect(held.pins).toEqual({ spki: [pki.good.spki], backup: [b2] })
  expect((third.outcome as { commitments: Commitment[] }).commitments).toEqual([held])
  expect(store.audit.map((a) => a.kind)).toEqual(['rotate-pins'])
})
