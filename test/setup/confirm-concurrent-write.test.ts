// confirm() ends in exactly the state it reports even when the store changes while the credentials
// are tested (#12 review: TOCTOU between the conflict pre-check and the write). The store contract
// has no compare-and-swap, so confirm() checks again on a fresh read before writing (nothing written
// on a conflict) and reads back after writing (a coded conflict carrying what the store now holds
// instead of `pinned`). Without `replace` a multi-service write is not atomic; a failure halfway
// says which services were written.
import {
  type Commitment,
  createCommitment,
  ErrorCode,
  isSdkError,
  SdkError,
  type Service,
} from '@mua-sts/core'
import { type Candidate, confirm, type Proposal, propose, type VerifyFn } from '@mua-sts/setup'
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

const imap = cand({ port: 993 })
const submission: Candidate = cand({ service: 'submission', port: 465 })

const proposalOf = (cs: Candidate[]): Proposal =>
  propose(
    discoveryOf(cs),
    cs.map((c) => compliant(c, KEY_1)),
    { account: 'acct_1', now: uniqueNow() },
  )

const other = (patch: Partial<Parameters<typeof createCommitment>[0]>): Commitment =>
  createCommitment({
    account: 'acct_1',
    service: 'imap',
    host: 'mail.example.test',
    port: 993,
    transport: 'implicit-tls',
    source: 'policy',
    now: '2026-03-01T08:00:00.000Z',
    ...patch,
  })

const attempt = (proposal: Proposal, store: RecordingStore, verify: Partial<Record<Service, VerifyFn>>) =>
  confirm({ proposal, store, verify, confirmed: true, now: CLOCK }).catch((e: unknown) => e)

describe('the store changes while the credentials are tested: found on a fresh read, nothing written', () => {
  it('a commitment that refuses the verified server → conflict naming rotatePins', async () => {
    const store = new RecordingStore()
    const foreign = other({ pins: [KEY_2], backupPins: [KEY_3] })
    const outcome = await attempt(proposalOf([imap]), store, {
      imap: async () => void (await store.strengthen(foreign)),
    })
    expect(isSdkError(outcome, ErrorCode.CommitmentConflict)).toBe(true)
    expect((outcome as SdkError).details).toMatchObject({
      reason: 'server_no_longer_meets',
      violations: ['spki_pin_mismatch'],
      ceremony: 'rotatePins',
      changedDuringConfirm: true,
    })
    expect((outcome as SdkError).message).toContain('nothing was pinned')
    expect(store.writes).toEqual([foreign])
    expect(await store.list()).toEqual([foreign])
  })

  it('a stronger commitment the verified session was not tested against → conflict, nothing written', async () => {
    const store = new RecordingStore()
    const stronger = { ...other({}), latches: ['tls12'] }
    const outcome = await attempt(proposalOf([imap]), store, {
      imap: async () => void (await store.strengthen(stronger)),
    })
    expect(isSdkError(outcome, ErrorCode.CommitmentConflict)).toBe(true)
    expect((outcome as SdkError).details).toMatchObject({ service: 'imap', reason: 'changed_during_confirm' })
    expect(store.writes).toEqual([stronger])
  })

  it('the same commitment written by another window is no conflict: pinned, and the store equals the result', async () => {
    const store = new RecordingStore()
    const proposal = proposalOf([imap])
    const same = proposal.services[0]?.commitment as Commitment
    const outcome = await attempt(proposal, store, { imap: async () => void (await store.strengthen(same)) })
    expect(outcome).toMatchObject({ status: 'pinned' })
    expect((outcome as { commitments: Commitment[] }).commitments).toEqual(await store.list())
  })
})

/** Lets the test run code right after each strengthen() (another writer landing in the gap). */
class RacyStore extends RecordingStore {
  afterWrite: (c: Commitment) => Promise<void> = async () => {}
  override async strengthen(next: Commitment): Promise<Commitment> {
    const out = await super.strengthen(next)
    await this.afterWrite(next)
    return out
  }
}

describe('the store changes right after the write: found on the read-back', () => {
  it('throws a conflict carrying what the store now holds instead of reporting pinned', async () => {
    const store = new RacyStore()
    const proposal = proposalOf([imap])
    const foreign = other({ pins: [KEY_2], backupPins: [KEY_3] })
    let once = true
    store.afterWrite = async () => {
      if (!once) return
      once = false
      // Another process replaced the commitment (e.g. its own ceremony) between write and read-back.
      store.data.set('acct_1/imap', foreign)
    }
    const outcome = await attempt(proposal, store, { imap: async () => {} })
    expect(isSdkError(outcome, ErrorCode.CommitmentConflict)).toBe(true)
    const details = (outcome as SdkError).details
    expect(details).toMatchObject({ reason: 'changed_during_confirm', services: ['imap'], written: ['imap'] })
    expect(details?.['held']).toEqual(await store.list())
  })
})

describe('without replace, a multi-service write that fails halfway says what it wrote', () => {
  it('keeps the store error code and names the written and the unwritten services', async () => {
    const store = new RacyStore()
    store.afterWrite = async () => {}
    const failing = new (class extends RecordingStore {
      override async strengthen(next: Commitment): Promise<Commitment> {
        if (next.service === 'submission') throw new SdkError(ErrorCode.StoreIo, 'disk full')
        return super.strengthen(next)
      }
    })()
    const proposal = proposalOf([imap, submission])
    const ok: VerifyFn = async () => {}
    const outcome = await attempt(proposal, failing, { imap: ok, submission: ok })
    expect(isSdkError(outcome, ErrorCode.StoreIo)).toBe(true)
    expect((outcome as SdkError).details).toMatchObject({
      account: 'acct_1',
      written: ['imap'],
      notWritten: ['submission'],
    })
    expect((outcome as SdkError).message).toContain('imap written; submission not written')
    expect((await failing.list()).map((c) => c.service)).toEqual(['imap'])
    // The seal is used up by the write that happened: the same proposal cannot pin again.
    const again = await attempt(proposal, new RecordingStore(), { imap: ok, submission: ok })
    expect((again as SdkError).details).toMatchObject({ reason: 'reused' })
  })
})
