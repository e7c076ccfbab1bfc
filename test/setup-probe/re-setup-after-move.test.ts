// Setting an account up again after the provider changed something (#12): the implicit-TLS port was
// dropped, the host moved, the CA changed, the key was rotated with or without a backup pin. Each
// ends either in MUASTS_ERR_COMMITMENT_CONFLICT (nothing tested, nothing written) or pinned, with
// the store holding exactly what confirm() returned; `replace` turns a conflict into one audited
// step. Real TLS, real probes, the real IMAP guard, MemoryCommitmentStore's ceremonies.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer, type Server } from 'node:net'
import { type Commitment, isSdkError, type SdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { type Candidate, confirm, type Discovery, probe, propose, type VerifyFn } from '@mua-sts/setup'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FAKE_PASS, FAKE_USER, type FakeImapScript, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type Leaf, testPki } from '../support/certs.js'
import { loopbackLookup } from './fakes.js'

// Made at test time (openssl). Both CAs are trusted here, so moving from one to the other is a "CA
// changed": pki.otherCa is a leaf for the same names under the second CA, with its own key.
const pki = testPki()
const trust = () => ({ ca: [pki.caCert, pki.otherCaCert] })
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

/** A fixed port whose server can be swapped, so "same endpoint, new server" is one port. */
type Endpoint = { port: number; serve(script: FakeImapScript): Promise<{ sawLogin(): boolean }> }
async function endpoint(): Promise<Endpoint> {
  let target = 0
  const front: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  front.listen(0, '127.0.0.1')
  await once(front, 'listening')
  cleanup.push(() => new Promise<void>((resolve) => front.close(() => resolve())))
  const address = front.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    async serve(script) {
      const s = await startFakeImap(script)
      cleanup.push(() => s.close())
      target = s.port
      return { sawLogin: () => s.sawAny(['LOGIN', 'AUTHENTICATE']) }
    },
  }
}

const candidate = (host: string, port: number, transport: Candidate['transport']): Candidate => ({
  service: 'imap',
  host,
  port,
  transport,
  source: 'srv',
  trust: { level: 'trusted', reason: 'srv_target_in_domain' },
  priority: 0,
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

type Pinning = { backup: string[] } | undefined
async function setup(store: MemoryCommitmentStore, c: Candidate, pinning?: Pinning, replace = false) {
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
    ...(pinning === undefined ? {} : { spkiPinning: pinning }),
  })
  expect(proposal.services).toHaveLength(1)
  const token = replace ? (await store.requestForget('acct_alice')).confirmation : undefined
  return confirm({
    proposal,
    store,
    verify: { imap: imapLogin },
    confirmed: true,
    ...(token === undefined
      ? {}
      : { replace: { confirmation: token, actor: 'user', reason: 'provider moved' } }),
  }).catch((e: unknown) => e)
}

async function expectStoreEqualsResult(store: MemoryCommitmentStore, outcome: unknown): Promise<Commitment> {
  expect(outcome).toMatchObject({ status: 'pinned' })
  const { commitments } = outcome as { commitments: Commitment[] }
  expect(await store.list()).toEqual(commitments)
  return commitments[0] as Commitment
}

const randomPin = (): string => randomBytes(32).toString('base64')

describe('re-setup after the provider moved (#12)', () => {
  it('implicit-TLS port dropped (STARTTLS on the same host): conflict, then one audited replacement', async () => {
    const store = new MemoryCommitmentStore()
    const implicit = await endpoint()
    await implicit.serve({ mode: 'implicit', leaf: pki.good })
    await expectStoreEqualsResult(
      store,
      await setup(store, candidate('mail.example.test', implicit.port, 'implicit-tls')),
    )
    const before = await store.list()

    const starttls = await endpoint()
    const server = await starttls.serve({ mode: 'starttls', leaf: pki.good })
    const c = candidate('mail.example.test', starttls.port, 'starttls')
    const conflict = await setup(store, c)
    expect(isSdkError(conflict, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
    expect((conflict as SdkError).details).toMatchObject({ reason: 'endpoint_changed', ceremony: 'replace' })
    expect(server.sawLogin()).toBe(false)
    expect(await store.list()).toEqual(before)

    const pinned = await expectStoreEqualsResult(store, await setup(store, c, undefined, true))
    expect(pinned.endpoint).toEqual({ host: 'mail.example.test', port: starttls.port, transport: 'starttls' })
    expect(server.sawLogin()).toBe(true)
    expect(store.audit).toMatchObject([{ kind: 'replace', account: 'acct_alice', removed: before }])
  })

  it('host moved: conflict, then one audited replacement', async () => {
    const store = new MemoryCommitmentStore()
    const old = await endpoint()
    await old.serve({ mode: 'implicit', leaf: pki.good })
    await expectStoreEqualsResult(
      store,
      await setup(store, candidate('mail.example.test', old.port, 'implicit-tls')),
    )
    const moved = await endpoint()
    const server = await moved.serve({ mode: 'implicit', leaf: pki.good })
    const c = candidate('imap.example.test', moved.port, 'implicit-tls')
    expect(isSdkError(await setup(store, c), 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
    expect(server.sawLogin()).toBe(false)
    const pinned = await expectStoreEqualsResult(store, await setup(store, c, undefined, true))
    expect(pinned.endpoint.host).toBe('imap.example.test')
  })

  it('CA changed on an unpinned endpoint: joins cleanly and stays pinned there', async () => {
    const store = new MemoryCommitmentStore()
    const ep = await endpoint()
    await ep.serve({ mode: 'implicit', leaf: pki.good })
    const c = candidate('mail.example.test', ep.port, 'implicit-tls')
    await expectStoreEqualsResult(store, await setup(store, c))
    const server = await ep.serve({ mode: 'implicit', leaf: pki.otherCa })
    const pinned = await expectStoreEqualsResult(store, await setup(store, c))
    expect(pinned.endpoint.port).toBe(ep.port)
    expect(server.sawLogin()).toBe(true)
  })

  it.each<[string, () => Leaf]>([
    ['CA and key changed on a pinned endpoint', () => pki.otherCa],
    ['key rotated to a key no backup pin names', () => pki.rekeyed],
  ])('%s: conflict naming rotatePins, then one audited replacement', async (_name, nextLeaf) => {
    const store = new MemoryCommitmentStore()
    const ep = await endpoint()
    await ep.serve({ mode: 'implicit', leaf: pki.good })
    const c = candidate('mail.example.test', ep.port, 'implicit-tls')
    await expectStoreEqualsResult(store, await setup(store, c, { backup: [randomPin()] }))
    const next = nextLeaf()
    const server = await ep.serve({ mode: 'implicit', leaf: next })
    const conflict = await setup(store, c, { backup: [randomPin()] })
    expect(isSdkError(conflict, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
    // Named by the pins: the probed key is refused (or the pin sets cannot even be joined).
    expect((conflict as SdkError).details).toMatchObject({ ceremony: 'rotatePins' })
    expect(server.sawLogin()).toBe(false)
    const backup = randomPin()
    const pinned = await expectStoreEqualsResult(store, await setup(store, c, { backup: [backup] }, true))
    expect(pinned.pins).toEqual({ spki: [next.spki], backup: [backup] })
    expect(server.sawLogin()).toBe(true)
  })

  it('key rotated to the key a backup pin named: verifies and stays pinned without any ceremony', async () => {
    const store = new MemoryCommitmentStore()
    const ep = await endpoint()
    await ep.serve({ mode: 'implicit', leaf: pki.good })
    const c = candidate('mail.example.test', ep.port, 'implicit-tls')
    await expectStoreEqualsResult(store, await setup(store, c, { backup: [pki.rekeyed.spki] }))
    const server = await ep.serve({ mode: 'implicit', leaf: pki.rekeyed })
    // A setup that pins nothing new joins: the stored pin set stays as the user confirmed it.
    const pinned = await expectStoreEqualsResult(store, await setup(store, c))
    expect(pinned.pins).toEqual({ spki: [pki.good.spki], backup: [pki.rekeyed.spki] })
    expect(server.sawLogin()).toBe(true)
    expect(store.audit).toEqual([])
  })

  it('key rotated to the backup key, re-pinned with a new backup: conflict naming rotatePins, then exactly that', async () => {
    const store = new MemoryCommitmentStore()
    const ep = await endpoint()
    await ep.serve({ mode: 'implicit', leaf: pki.good })
    const c = candidate('mail.example.test', ep.port, 'implicit-tls')
    await expectStoreEqualsResult(store, await setup(store, c, { backup: [pki.rekeyed.spki] }))
    const before = await store.list()
    const server = await ep.serve({ mode: 'implicit', leaf: pki.rekeyed })
    const backup = randomPin()
    // The join {good, rekeyed} ∩ {rekeyed, new} = {rekeyed} would drop the backup the user confirmed.
    const conflict = await setup(store, c, { backup: [backup] })
    expect(isSdkError(conflict, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
    expect((conflict as SdkError).details).toMatchObject({ reason: 'pins_changed', ceremony: 'rotatePins' })
    expect(server.sawLogin()).toBe(false)
    expect(await store.list()).toEqual(before)
    const { confirmation } = await store.requestForget('acct_alice', 'imap')
    const pins = { spki: [pki.rekeyed.spki], backup: [backup] }
    await store.rotatePins(
      { confirmation, account: 'acct_alice', service: 'imap', actor: 'user', reason: 'key rotated' },
      pins,
    )
    const pinned = await expectStoreEqualsResult(store, await setup(store, c, { backup: [backup] }))
    expect(pinned.pins).toEqual(pins)
    expect(server.sawLogin()).toBe(true)
    expect(store.audit.map((a) => a.kind)).toEqual(['rotate-pins'])
  })
})
