// A sealed proposal is unaltered, not current (#12 review): confirm() refuses one older than
// `maxAgeMs` (default one hour, from its sealed generatedAt) and one whose seal already pinned
// something in this process, both with MUASTS_ERR_PROPOSAL_TAMPERED and details.reason, before any
// credential test. Refusals and failed credential tests do not use a seal up.
import { ErrorCode, isSdkError, type SdkError } from '@mua-sts/core'
import { confirm, type Proposal, propose, type VerifyFn } from '@mua-sts/setup'
import { describe, expect, it, vi } from 'vitest'
import { cand, compliant, discoveryOf, NOW, RecordingStore, uniqueNow } from './proposal-fixtures.js'

const imap = cand({ port: 993 })
const fresh = (): Proposal =>
  propose(discoveryOf([imap]), [compliant(imap)], { account: 'acct_1', now: uniqueNow() })
const at = (ms: number) => () => new Date(Date.parse(NOW) + ms)
const HOUR = 60 * 60 * 1000

async function attempt(proposal: Proposal, extra: Record<string, unknown> = {}, verify?: VerifyFn) {
  const store = new RecordingStore()
  const test = vi.fn<VerifyFn>(verify ?? (async () => {}))
  const outcome = await confirm({
    proposal,
    store,
    verify: { imap: test },
    confirmed: true,
    now: at(0),
    ...extra,
  }).catch((e: unknown) => e)
  return { outcome, test, store }
}

const refusedAs = (outcome: unknown, reason: string): void => {
  expect(isSdkError(outcome, ErrorCode.ProposalTampered)).toBe(true)
  expect((outcome as SdkError).details).toMatchObject({ reason })
}

describe('confirm: a proposal expires', () => {
  it('refuses a proposal older than one hour by default, before any verify, and writes nothing', async () => {
    const { outcome, test, store } = await attempt(fresh(), { now: at(HOUR + 1000) })
    refusedAs(outcome, 'expired')
    expect((outcome as SdkError).details).toMatchObject({ maxAgeMs: HOUR })
    expect(test).not.toHaveBeenCalled()
    expect(store.writes).toEqual([])
  })

  it('honours maxAgeMs both ways', async () => {
    refusedAs((await attempt(fresh(), { now: at(60_000), maxAgeMs: 30_000 })).outcome, 'expired')
    expect((await attempt(fresh(), { now: at(2 * HOUR), maxAgeMs: 3 * HOUR })).outcome).toMatchObject({
      status: 'pinned',
    })
  })

  it('refuses a proposal dated in the future beyond clock skew (its age cannot be measured)', async () => {
    refusedAs((await attempt(fresh(), { now: at(-10 * 60_000) })).outcome, 'expired')
  })

  it('refuses a maxAgeMs beyond 24 hours with MUASTS_ERR_INVALID_OPTION', async () => {
    const { outcome } = await attempt(fresh(), { maxAgeMs: 25 * HOUR })
    expect(isSdkError(outcome, ErrorCode.InvalidOption)).toBe(true)
  })

  it('checks the clock it is given', async () => {
    const { outcome } = await attempt(fresh(), { now: () => new Date(Number.NaN) })
    expect(isSdkError(outcome, ErrorCode.InvalidOption)).toBe(true)
  })
})

describe('confirm: a proposal pins once', () => {
  it('refuses a seal that already pinned, also through a JSON copy and into another store', async () => {
    const p = fresh()
    expect((await attempt(p)).outcome).toMatchObject({ status: 'pinned' })
    const replay = await attempt(JSON.parse(JSON.stringify(p)) as Proposal)
    refusedAs(replay.outcome, 'reused')
    expect(replay.test).not.toHaveBeenCalled()
    expect(replay.store.writes).toEqual([])
  })

  it('is not used up by a refusal or a failed credential test: the user may retry', async () => {
    const p = fresh()
    const unconfirmed = await confirm({
      proposal: p,
      store: new RecordingStore(),
      verify: { imap: async () => {} },
      now: at(0),
    }).catch((e: unknown) => e)
    expect(isSdkError(unconfirmed, ErrorCode.ConfirmationRequired)).toBe(true)
    const wrongPassword = await attempt(p, {}, async () => {
      throw Object.assign(new Error('no'), { code: 'MUASTS_ERR_AUTH_FAILED' })
    })
    expect(wrongPassword.outcome).toMatchObject({ status: 'not-pinned' })
    expect((await attempt(p)).outcome).toMatchObject({ status: 'pinned' })
  })

  it('lets only one of two concurrent confirms of the same proposal run', async () => {
    const p = fresh()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = attempt(p, {}, () => gate)
    const second = await attempt(p)
    refusedAs(second.outcome, 'reused')
    expect(second.test).not.toHaveBeenCalled()
    release()
    expect((await first).outcome).toMatchObject({ status: 'pinned' })
  })
})
