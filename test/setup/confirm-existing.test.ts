// confirm() ends in exactly the state it reports (#12): an existing commitment is joined only when
// the join is exactly the proposed endpoint and the probed server still meets it; otherwise
// MUASTS_ERR_COMMITMENT_CONFLICT before any credential test, or the one-step audited replacement.
import { type Commitment, createCommitment, isSdkError, type SdkError } from '@mua-sts/core'
import { type Candidate, confirm, type Proposal, propose, type VerifyContext } from '@mua-sts/setup'
import { describe, expect, it } from 'vitest'
import {
  CLOCK,
  cand,
  compliant,
  discoveryOf,
  KEY_1,
  KEY_2,
  KEY_3,
  RecordingStore,
  uniqueNow,
} from './proposal-fixtures.js'

const existing = (patch: Partial<Parameters<typeof createCommitment>[0]> = {}): Commitment =>
  createCommitment({
    account: 'acct_1',
    service: 'imap',
    host: 'mail.example.test',
    port: 993,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2025-01-01T00:00:00.000Z',
    ...patch,
  })

function proposalFor(c: Candidate, spki = KEY_1, backup?: string[]): Proposal {
  return propose(discoveryOf([c]), [compliant(c, spki)], {
    account: 'acct_1',
    now: uniqueNow(),
    ...(backup === undefined ? {} : { spkiPinning: { backup } }),
  })
}

async function run(store: RecordingStore, proposal: Proposal, replace?: { confirmation: string }) {
  const seen: VerifyContext[] = []
  const outcome = await confirm({
    proposal,
    store,
    confirmed: true,
    now: CLOCK,
    verify: { imap: async (ctx) => void seen.push(ctx) },
    ...(replace === undefined ? {} : { replace: { ...replace, actor: 'user', reason: 'provider moved' } }),
  }).catch((e: unknown) => e)
  return { outcome, seen }
}

async function seeded(c: Commitment): Promise<RecordingStore> {
  const store = new RecordingStore()
  await store.strengthen(c)
  store.writes.length = 0
  return store
}

async function storeEqualsResult(store: RecordingStore, outcome: unknown): Promise<void> {
  expect(outcome).toMatchObject({ status: 'pinned' })
  const { commitments } = outcome as { commitments: Commitment[] }
  const held = await Promise.all(commitments.map((c) => store.get(c.account, c.service)))
  expect(commitments).toEqual(held)
  expect(await store.list()).toEqual(held)
}

describe('confirm over an existing commitment: conflicts stop before any credential test', () => {
  it.each<[string, Commitment, Candidate, Record<string, unknown>]>([
    [
      'the implicit-TLS port was dropped (STARTTLS proposed on the same host)',
      existing(),
      cand({ port: 143, transport: 'starttls' }),
      { reason: 'endpoint_changed', endpoint: 'mail.example.test:993/implicit-tls', ceremony: 'replace' },
    ],
    [
      'the host moved',
      existing(),
      cand({ port: 993, host: 'imap.newhost.example.test' }),
      {
        reason: 'endpoint_changed',
        proposed: 'imap.newhost.example.test:993/implicit-tls',
        ceremony: 'replace',
      },
    ],
    [
      'the key was rotated and no backup pin covers it',
      existing({ pins: [KEY_1] }),
      cand({ port: 993 }),
      { reason: 'server_no_longer_meets', violations: ['spki_pin_mismatch'], ceremony: 'rotatePins' },
    ],
  ])(
    '%s → MUASTS_ERR_COMMITMENT_CONFLICT naming the commitment and the ceremony',
    async (_n, old, c, details) => {
      const store = await seeded(old)
      const { outcome, seen } = await run(store, proposalFor(c, KEY_2))
      expect(isSdkError(outcome, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
      expect((outcome as SdkError).details).toMatchObject({ account: 'acct_1', service: 'imap', ...details })
      expect((outcome as SdkError).message).toContain('mail.example.test:993/implicit-tls')
      expect(seen).toEqual([])
      expect(store.writes).toEqual([])
      expect(await store.get('acct_1', 'imap')).toEqual(old)
    },
  )

  it('verifies against the join when the endpoint is the same, and reports what the store holds', async () => {
    const old = { ...existing(), latches: ['tls12'] }
    const store = await seeded(old)
    const { outcome, seen } = await run(store, proposalFor(cand({ port: 993 })))
    expect(seen.map((ctx) => ctx.commitment.latches)).toEqual([['tls12']])
    await storeEqualsResult(store, outcome)
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
  })

  it('accepts a rotation to a key the backup pins already named when the proposal pins nothing new', async () => {
    const store = await seeded(existing({ pins: [KEY_1], backupPins: [KEY_2] }))
    const { outcome, seen } = await run(store, proposalFor(cand({ port: 993 }), KEY_2))
    expect(seen).toHaveLength(1)
    await storeEqualsResult(store, outcome)
    // Nothing narrowed or widened: the stored pin set is kept as it is, and the server's key is in it.
    expect((await store.get('acct_1', 'imap'))?.pins).toEqual({ spki: [KEY_1], backup: [KEY_2] })
  })

  it.each<[string, Commitment, string, string[]]>([
    // Joined, {K1,B1} ∩ {K1,B2} = {K1}: no backup, and B2 the user confirmed would be dropped.
    ['another backup pin', existing({ pins: [KEY_1], backupPins: [KEY_2] }), KEY_1, [KEY_3]],
    // Joined, {K1,K2} ∩ {K2,K3} = {K2}: neither what was pinned nor what was confirmed.
    [
      'a rotation to the backup key with a new backup',
      existing({ pins: [KEY_1], backupPins: [KEY_2] }),
      KEY_2,
      [KEY_3],
    ],
    // Joined, {K1} ∩ {K1,K2} = {K1}: the backup the user confirmed would be dropped.
    ['a backup pin added to a set without one', existing({ pins: [KEY_1] }), KEY_1, [KEY_2]],
  ])('refuses %s with a conflict naming rotatePins, before any verify', async (_n, old, leaf, backup) => {
    const store = await seeded(old)
    const { outcome, seen } = await run(store, proposalFor(cand({ port: 993 }), leaf, backup))
    expect(isSdkError(outcome, 'MUASTS_ERR_COMMITMENT_CONFLICT')).toBe(true)
    expect((outcome as SdkError).details).toMatchObject({
      reason: 'pins_changed',
      ceremony: 'rotatePins',
      pins: { spki: old.pins.spki, backup: old.pins.backup },
      proposedPins: { spki: [leaf], backup },
    })
    expect(seen).toEqual([])
    expect(store.writes).toEqual([])
    expect(await store.get('acct_1', 'imap')).toEqual(old)
  })

  it('pins a proposal that pins exactly what is stored, or narrows it to exactly what was confirmed', async () => {
    for (const old of [
      existing({ pins: [KEY_1], backupPins: [KEY_2] }),
      existing({ pins: [KEY_1], backupPins: [KEY_2, KEY_3] }),
    ]) {
      const store = await seeded(old)
      const { outcome } = await run(store, proposalFor(cand({ port: 993 }), KEY_1, [KEY_2]))
      await storeEqualsResult(store, outcome)
      expect((await store.get('acct_1', 'imap'))?.pins).toEqual({ spki: [KEY_1], backup: [KEY_2] })
    }
  })
})

describe('confirm with replace: the one-step audited provider move', () => {
  it('forgets and pins in one audit record, and the store equals what confirm returned', async () => {
    const store = await seeded({ ...existing(), latches: ['tls12'] })
    const moved = proposalFor(cand({ port: 143, transport: 'starttls' }), KEY_2)
    const { outcome, seen } = await run(store, moved, { confirmation: 'token-1' })
    expect(seen.map((ctx) => ctx.commitment)).toEqual([moved.services[0]?.commitment])
    await storeEqualsResult(store, outcome)
    expect(await store.get('acct_1', 'imap')).toEqual(moved.services[0]?.commitment)
    expect(store.audit).toMatchObject([
      { kind: 'replace', account: 'acct_1', actor: 'user', reason: 'provider moved' },
    ])
    expect(store.writes).toEqual([])
  })

  it('writes nothing when the token is stale', async () => {
    const old = existing()
    const store = await seeded(old)
    const { outcome } = await run(store, proposalFor(cand({ port: 143, transport: 'starttls' })), {
      confirmation: 'stale',
    })
    expect(isSdkError(outcome, 'MUASTS_ERR_CONFIRMATION_REQUIRED')).toBe(true)
    expect(await store.list()).toEqual([old])
  })

  it('refuses a token for one service when another service is being pinned, before any verify', async () => {
    const store = await seeded(existing())
    const seen: VerifyContext[] = []
    const outcome = await confirm({
      proposal: proposalFor(cand({ port: 143, transport: 'starttls' })),
      store,
      confirmed: true,
      now: CLOCK,
      verify: { imap: async (ctx) => void seen.push(ctx) },
      replace: { confirmation: 'token-1', actor: 'user', reason: 'provider moved', service: 'submission' },
    }).catch((e: unknown) => e)
    expect(isSdkError(outcome, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(seen).toEqual([])
  })
})
