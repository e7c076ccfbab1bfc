// The CommitmentStore contract (packages/core/src/store/commitment-store.ts) as one suite that every
// implementation must pass: MemoryCommitmentStore, FileStore and RedisCommitmentStore run exactly these
// tests (contract.test.ts, and test/store-redis/cluster.test.ts for Redis Cluster). Each case is about
// behaviour an app or a guard relies on, with the error codes that are API.
import { type Commitment, type CommitmentStore, ErrorCode, isSdkError } from '@mua-sts/core'
import { OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** Makes a fresh, empty store; `close` releases it (and removes whatever it wrote). */
export type StoreFactory = () => Promise<{ store: CommitmentStore; close: () => Promise<void> }>

const THIRD_SPKI = Buffer.alloc(32, 7).toString('base64')
const who = { reason: 'provider moved', actor: 'user' }
const base = (o: Partial<Commitment> = {}) => sampleCommitment({ latches: [], ...o })

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (error) {
    return isSdkError(error) ? error.code : `not an SdkError: ${String(error)}`
  }
  return undefined
}

/** Registers the contract suite for one implementation. */
export function describeStoreContract(name: string, make: StoreFactory): void {
  describe(`${name} keeps the CommitmentStore contract`, () => {
    let store: CommitmentStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, close } = await make())
    })
    afterEach(async () => close())

    it('has no commitment for an account it never saw', async () => {
      expect(await store.get('acct_1', 'imap')).toBeUndefined()
      expect(await store.list('acct_1')).toEqual([])
    })

    it('returns what was strengthened, per account and service', async () => {
      const c = base({ latches: ['tls12'] })
      expect(await store.strengthen(c)).toEqual(c)
      expect(await store.get('acct_1', 'imap')).toEqual(c)
      expect(await store.get('acct_1', 'pop3')).toBeUndefined()
      expect(await store.get('acct_2', 'imap')).toBeUndefined()
    })

    it('joins concurrent and later strengthens, never losing a latch', async () => {
      await Promise.all(['tls12', 'tls-cert', 'tls11'].map((l) => store.strengthen(base({ latches: [l] }))))
      const weaker = await store.strengthen(base({ latches: [] }))
      expect(weaker.latches).toEqual(['tls-cert', 'tls11', 'tls12'])
      expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls11', 'tls12'])
    })

    it('narrows pin sets and refuses disjoint ones with MUASTS_ERR_PIN_CONFLICT, writing nothing', async () => {
      const pinned = base({ pins: { spki: [SAMPLE_SPKI, THIRD_SPKI], backup: [] } })
      await store.strengthen(pinned)
      const narrowed = await store.strengthen(base({ pins: { spki: [SAMPLE_SPKI], backup: [] } }))
      expect(narrowed.pins.spki).toEqual([SAMPLE_SPKI])
      const before = await store.get('acct_1', 'imap')
      const code = await codeOf(store.strengthen(base({ pins: { spki: [OTHER_SPKI], backup: [] } })))
      expect(code).toBe(ErrorCode.PinConflict)
      expect(await store.get('acct_1', 'imap')).toEqual(before)
    })

    it('never lets a strengthen displace a saved status URL, whatever its seenAt (only replace may)', async () => {
      const first = { url: 'https://status.example.net/first', seenAt: '2026-01-02T00:00:00.000Z' }
      await store.strengthen(base({ statusUrl: first }))
      const backdated = { url: 'https://help.example.net/other', seenAt: '1970-01-01T00:00:00.000Z' }
      const held = await store.strengthen(base({ statusUrl: backdated }))
      expect(held.statusUrl).toEqual(first)
      expect((await store.get('acct_1', 'imap'))?.statusUrl).toEqual(first)
    })

    it('lists one account, or every account sorted by account', async () => {
      await store.strengthen(base({ account: 'acct_b' }))
      await store.strengthen(base({ account: 'acct_a', service: 'submission' }))
      await store.strengthen(base({ account: 'acct_a' }))
      const all = await store.list()
      expect(all.map((c) => `${c.account}/${c.service}`).sort()).toEqual([
        'acct_a/imap',
        'acct_a/submission',
        'acct_b/imap',
      ])
      expect((await store.list('acct_a')).map((c) => c.service).sort()).toEqual(['imap', 'submission'])
    })

    it('issues no forget token when there is nothing to forget', async () => {
      expect(await codeOf(store.requestForget('acct_1'))).toBe(ErrorCode.NoCommitment)
    })

    it('forgets only through a matching one-time token, a reason and an actor', async () => {
      await store.strengthen(base({ latches: ['tls12'] }))
      await store.strengthen(base({ service: 'submission' }))
      const { confirmation, commitments } = await store.requestForget('acct_1', 'imap')
      expect(commitments.map((c) => c.service)).toEqual(['imap'])
      const req = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
      expect(await codeOf(store.forget({ ...req, confirmation: 'forged-token' }))).toBe(
        ErrorCode.ConfirmationRequired,
      )
      expect(await codeOf(store.forget({ ...req, reason: ' x ' }))).toBe(ErrorCode.ConfirmationRequired)
      expect(await codeOf(store.forget({ ...req, service: 'pop3' }))).toBe(ErrorCode.ConfirmationRequired)
      expect(await store.get('acct_1', 'imap')).toBeDefined()
      const record = await store.forget(req)
      expect(record).toMatchObject({ kind: 'forget', account: 'acct_1', services: ['imap'], ...who })
      expect(record.removed.map((c) => c.latches)).toEqual([['tls12']])
      expect(await store.get('acct_1', 'imap')).toBeUndefined()
      expect(await store.get('acct_1', 'submission')).toBeDefined()
      expect(await codeOf(store.forget(req))).toBe(ErrorCode.ConfirmationRequired)
      // A fresh setup may pin the account again afterwards.
      expect((await store.strengthen(base())).latches).toEqual([])
    })

    it('replaces exactly as given (no join) within the token scope', async () => {
      await store.strengthen(base({ latches: ['tls12', 'tls-cert'] }))
      const moved = base({ endpoint: { host: 'imap.new.example', port: 993, transport: 'implicit-tls' } })
      const { confirmation } = await store.requestForget('acct_1', 'imap')
      const req = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
      expect(await codeOf(store.replace(req, [base({ account: 'acct_2' })]))).toBe(
        ErrorCode.ConfirmationRequired,
      )
      expect(await codeOf(store.replace(req, []))).toBe(ErrorCode.InvalidOption)
      const record = await store.replace(req, [moved])
      expect(record).toMatchObject({ kind: 'replace', services: ['imap'], added: [moved] })
      expect(await store.get('acct_1', 'imap')).toEqual(moved)
    })

    it('rotates one service’s pins only with a backup pin, keeping every other property', async () => {
      const pinned = base({ latches: ['tls12'], pins: { spki: [SAMPLE_SPKI], backup: [] } })
      await store.strengthen(pinned)
      const all = await store.requestForget('acct_1')
      const noService = { account: 'acct_1', ...who, confirmation: all.confirmation }
      const pins = { spki: [OTHER_SPKI], backup: [THIRD_SPKI] }
      expect(await codeOf(store.rotatePins(noService, pins))).toBe(ErrorCode.ConfirmationRequired)
      const { confirmation } = await store.requestForget('acct_1', 'imap')
      const req = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
      expect(await codeOf(store.rotatePins(req, { spki: [OTHER_SPKI], backup: [] }))).toBe(
        ErrorCode.InvalidOption,
      )
      const record = await store.rotatePins(req, pins)
      expect(record.kind).toBe('rotate-pins')
      const now = await store.get('acct_1', 'imap')
      expect(now?.pins).toEqual(pins)
      expect(now?.latches).toEqual(['tls12'])
      // The new pin set only narrows from here on.
      expect(await codeOf(store.strengthen(base({ pins: { spki: [SAMPLE_SPKI], backup: [] } })))).toBe(
        ErrorCode.PinConflict,
      )
    })
  })
}
