// The store changes while confirm() tests the credentials (#12 review, moved from test/review/):
// another writer (a second wizard window, a policy push, another process on the FileStore) pins the
// same endpoint with a key the verified server does not present. Before, the join kept that pin and
// confirm() answered `pinned` with a commitment that refuses the server the user had just logged in
// to. Now the fresh read before writing finds the conflict: MUASTS_ERR_COMMITMENT_CONFLICT naming
// rotatePins, and confirm() writes nothing. Real TLS (test CA made at test time), real probe, real
// IMAP guard, MemoryCommitmentStore.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { createCommitment, isSdkError, type SdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { type Candidate, confirm, type Discovery, probe, propose } from '@mua-sts/setup'
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

it('a pin written by another writer during the credential test → conflict, and confirm() writes nothing', async () => {
  const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  cleanup.push(() => server.close())
  const c: Candidate = {
    service: 'imap',
    host: 'mail.example.test',
    port: server.port,
    transport: 'implicit-tls',
    source: 'srv',
    trust: { level: 'trusted', reason: 'srv_target_in_domain' },
    priority: 0,
  }
  const discovery: Discovery = {
    domain: 'example.test',
    candidates: [c],
    notOffered: [],
    errors: [],
    diagnostics: [],
  }
  const results = await probe(discovery.candidates, { trust: trust(), lookup: loopbackLookup })
  const proposal = propose(discovery, results, { account: 'acct_alice', now: new Date() })
  const store = new MemoryCommitmentStore()
  const writes: unknown[] = []
  store.on('strengthened', (c) => writes.push(c))
  const foreign = createCommitment({
    account: 'acct_alice',
    service: 'imap',
    host: 'mail.example.test',
    port: server.port,
    transport: 'implicit-tls',
    pins: [randomBytes(32).toString('base64')],
    backupPins: [randomBytes(32).toString('base64')],
    source: 'policy',
    now: new Date().toISOString(),
  })

  const outcome = await confirm({
    proposal,
    store,
    confirmed: true,
    verify: {
      imap: async (ctx) => {
        const client = await connectImap({
          account: ctx.account,
          store: ctx.store,
          trust: { ...trust(), lookup: loopbackLookup },
          auth: { user: FAKE_USER, pass: FAKE_PASS },
        })
        await client.logout()
        // Meanwhile, another writer pins the same endpoint with a key this server does not use.
        await store.strengthen(foreign)
      },
    },
  }).catch((e: unknown) => e)

  expect(server.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(true)
  expect(isSdkError(outcome, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
  expect((outcome as SdkError).details).toMatchObject({
    account: 'acct_alice',
    service: 'imap',
    reason: 'server_no_longer_meets',
    violations: ['spki_pin_mismatch'],
    ceremony: 'rotatePins',
    changedDuringConfirm: true,
  })
  // Only the other writer wrote; what the store holds is its commitment, as the error says.
  expect(writes).toEqual([foreign])
  expect(await store.list()).toEqual([foreign])
})
