// confirm(): nothing is pinned before the user confirms and every chosen service verified over a
// session that meets the proposed commitment (RFC 8314 §5.1).

import { getEventListeners } from 'node:events'
import {
  type AccountRef,
  type AuditRecord,
  type Commitment,
  type CommitmentStore,
  createObservation,
  type ForgetRequest,
  isSdkError,
  merge,
  SdkError,
  type Service,
} from '@mua-sts/core'
import { describe, expect, it, vi } from 'vitest'
import type { Candidate, Discovery, Trust } from '../discover/candidate.js'
import type { ProbeResult } from '../probe/result.js'
import type { Proposal } from '../propose/proposal.js'
import { propose } from '../propose/propose.js'
import { confirm, type VerifyFn } from './confirm.js'
import { StagingStore } from './staging-store.js'

const NOW = '2026-03-01T09:00:00.000Z'
// confirm()'s clock here. Each proposal() is made one ms later than the last: identical proposals
// share a seal, and a seal pins once per process.
const clock = () => new Date(NOW)
let tick = 0

/** A durable-store stand-in that records every write. */
class RecordingStore implements CommitmentStore {
  readonly data = new Map<string, Commitment>()
  readonly writes: Commitment[] = []
  async get(account: AccountRef, service: Service) {
    return this.data.get(`${account}/${service}`)
  }
  async strengthen(next: Commitment) {
    this.writes.push(next)
    const key = `${next.account}/${next.service}`
    const current = this.data.get(key)
    const merged = current === undefined ? next : merge(current, next)
    this.data.set(key, merged)
    return merged
  }
  async list() {
    return [...this.data.values()]
  }
  async requestForget(): Promise<{ confirmation: string; commitments: Commitment[] }> {
    throw new Error('unused')
  }
  async forget(): Promise<AuditRecord> {
    throw new Error('unused')
  }
  // The replace ceremony, reduced to what confirm() relies on: one token, one atomic swap.
  readonly replaced: Array<{ request: ForgetRequest; next: readonly Commitment[] }> = []
  async replace(request: ForgetRequest, next: readonly Commitment[]): Promise<AuditRecord> {
    if (request.confirmation !== 'token-1') throw new SdkError('MUASTS_ERR_CONFIRMATION_REQUIRED')
    this.replaced.push({ request, next })
    const removed = [...this.data.values()].filter((c) => c.account === request.account)
    for (const c of removed) this.data.delete(`${c.account}/${c.service}`)
    for (const c of next) this.data.set(`${c.account}/${c.service}`, c)
    const { account, actor, reason } = request
    return { kind: 'replace', at: NOW, account, services: [], actor, reason, removed, added: next }
  }
  async rotatePins(): Promise<AuditRecord> {
    throw new Error('unused')
  }
}

function cand(service: Service, port: number, trust: Trust): Candidate {
  return {
    service,
    host: 'mail.example.test',
    port,
    transport: 'implicit-tls',
    source: 'srv',
    trust,
    priority: 0,
  }
}

function compliant(c: Candidate): ProbeResult {
  const observation = createObservation({
    service: c.service,
    endpoint: { host: c.host, port: c.port },
    transport: c.transport,
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: { chainTrusted: true, expired: false, nameMatch: true },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
  })
  return { candidate: c, status: 'compliant', observation, violations: [] }
}

function proposal(): Proposal {
  const imap = cand('imap', 993, { level: 'trusted', reason: 'srv_target_in_domain' })
  const smtp = cand('submission', 465, { level: 'needs-confirmation', reason: 'srv_target_outside_domain' })
  const discovery: Discovery = {
    domain: 'example.test',
    candidates: [imap, smtp],
    notOffered: [],
    errors: [],
    diagnostics: [],
  }
  const now = new Date(Date.parse(NOW) + ++tick)
  return propose(discovery, [compliant(imap), compliant(smtp)], { account: 'acct_1', now })
}

const SMTP_ITEM = 'submission/srv_target_outside_domain/mail.example.test:465'
const ok: VerifyFn = async () => {}

describe('confirm: nothing is pinned without the user', () => {
  it('refuses with MUASTS_ERR_CONFIRMATION_REQUIRED when the user has not confirmed, before any verify', async () => {
    const store = new RecordingStore()
    const verify = vi.fn(ok)
    const call = confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: { imap: verify, submission: verify },
      confirmed: false,
      acknowledged: [SMTP_ITEM],
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_CONFIRMATION_REQUIRED' })
    expect(verify).not.toHaveBeenCalled()
    expect(store.writes).toEqual([])
  })

  it('refuses while a confirmation item is unacknowledged, and names it', async () => {
    const store = new RecordingStore()
    const verify = vi.fn(ok)
    const error = await confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: { imap: verify, submission: verify },
      confirmed: true,
    }).catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_CONFIRMATION_REQUIRED')).toBe(true)
    expect((error as SdkError).details).toEqual({ unacknowledged: [SMTP_ITEM] })
    expect(verify).not.toHaveBeenCalled()
    expect(store.writes).toEqual([])
  })

  it('only asks for the confirmations of the services being pinned', async () => {
    const store = new RecordingStore()
    const result = await confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: { imap: ok },
      confirmed: true,
      services: ['imap'],
    })
    expect(result.status).toBe('pinned')
    expect([...store.data.keys()]).toEqual(['acct_1/imap'])
  })
})

describe('confirm: credentials are tested against the proposed commitment first', () => {
  it('hands each verify a temporary store holding exactly the proposed commitment, and writes nothing meanwhile', async () => {
    const p = proposal()
    const store = new RecordingStore()
    const seen: Array<Commitment | undefined> = []
    const verify: VerifyFn = async (ctx) => {
      expect(ctx.store).not.toBe(store)
      seen.push(await ctx.store.get(ctx.account, ctx.service))
      expect(store.writes).toEqual([])
    }
    await confirm({
      now: clock,
      proposal: p,
      store,
      verify: { imap: verify, submission: verify },
      confirmed: true,
      acknowledged: [SMTP_ITEM],
    })
    expect(seen).toEqual(p.services.map((s) => s.commitment))
  })

  it('persists nothing when any one verify fails, and reports every failure', async () => {
    const store = new RecordingStore()
    const result = await confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: {
        imap: ok,
        submission: async () => Promise.reject(new SdkError('MUASTS_ERR_AUTH_FAILED', 'bad password')),
      },
      confirmed: true,
      acknowledged: [SMTP_ITEM],
    })
    expect(result).toMatchObject({
      status: 'not-pinned',
      failures: [{ service: 'submission', code: 'MUASTS_ERR_AUTH_FAILED' }],
    })
    expect(store.writes).toEqual([])
  })

  it('pins every service once all verified, including what the guard learned during the test', async () => {
    const store = new RecordingStore()
    const learnDeep: VerifyFn = async (ctx) => {
      await ctx.store.strengthen({ ...ctx.commitment, latches: ['tls12'] })
    }
    const result = await confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: { imap: learnDeep, submission: ok },
      confirmed: true,
      acknowledged: [SMTP_ITEM],
    })
    expect(result.status).toBe('pinned')
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls12'])
    expect((await store.get('acct_1', 'submission'))?.endpoint).toEqual({
      host: 'mail.example.test',
      port: 465,
      transport: 'implicit-tls',
    })
  })

  it('never weakens what the store already holds (the write is a join)', async () => {
    const p = proposal()
    const store = new RecordingStore()
    const existing = p.services[0]?.commitment as Commitment
    await store.strengthen({ ...existing, latches: ['tls-cert'] })
    await confirm({
      now: clock,
      proposal: p,
      store,
      verify: { imap: ok },
      confirmed: true,
      services: ['imap'],
    })
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert'])
  })
})

describe('confirm: input is checked at the boundary', () => {
  it('refuses a chosen service without a verify function', async () => {
    const call = confirm({
      now: clock,
      proposal: proposal(),
      store: new RecordingStore(),
      verify: {},
      confirmed: true,
      services: ['imap'],
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
  })

  it('refuses a proposal that proposes nothing instead of reporting an empty success', async () => {
    const p = propose(
      { domain: 'example.test', candidates: [], notOffered: [], errors: [], diagnostics: [] },
      [],
      { account: 'acct_1', now: NOW },
    )
    const call = confirm({
      now: clock,
      proposal: p,
      store: new RecordingStore(),
      verify: {},
      confirmed: true,
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
  })

  it('refuses a service that was not proposed', async () => {
    const call = confirm({
      now: clock,
      proposal: proposal(),
      store: new RecordingStore(),
      verify: { pop3: ok },
      confirmed: true,
      services: ['pop3'],
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
  })

  it('refuses a proposal that fails its schema (a plaintext endpoint)', async () => {
    const p = proposal()
    const [imap] = p.services
    if (imap === undefined) throw new Error('no imap proposal')
    const plaintext = {
      ...imap,
      commitment: { ...imap.commitment, endpoint: { ...imap.commitment.endpoint, transport: 'plaintext' } },
    }
    const call = confirm({
      now: clock,
      proposal: { ...p, services: [plaintext] } as never,
      store: new RecordingStore(),
      verify: { imap: ok },
      confirmed: true,
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
  })

  it('rejects with MUASTS_ERR_ABORTED when the signal is already aborted, before any verify', async () => {
    const verify = vi.fn(ok)
    const call = confirm({
      now: clock,
      proposal: proposal(),
      store: new RecordingStore(),
      verify: { imap: verify },
      confirmed: true,
      services: ['imap'],
      signal: AbortSignal.abort(),
    })
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_ABORTED' })
    expect(verify).not.toHaveBeenCalled()
  })
  it("hands every verify function a signal, aborted with the caller's, then rejects with ABORTED and writes nothing (#16)", async () => {
    const caller = new AbortController()
    const store = new RecordingStore()
    const seen: AbortSignal[] = []
    const hanging: VerifyFn = ({ signal }) =>
      new Promise((_, reject) => {
        seen.push(signal)
        signal.addEventListener('abort', () => reject(new SdkError('MUASTS_ERR_ABORTED')), { once: true })
      })
    const call = confirm({
      now: clock,
      proposal: proposal(),
      store,
      verify: { imap: hanging, submission: hanging },
      confirmed: true,
      acknowledged: [SMTP_ITEM],
      signal: caller.signal,
    })
    await vi.waitFor(() => expect(seen).toHaveLength(2))
    expect(seen.every((s) => !s.aborted)).toBe(true)
    caller.abort(new Error('Cancel'))
    await expect(call).rejects.toMatchObject({ code: 'MUASTS_ERR_ABORTED' })
    expect(seen.every((s) => s.aborted)).toBe(true)
    expect(store.writes).toEqual([])
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0)
  })

  it('gives verify functions a live signal when the caller passed none', async () => {
    let got: AbortSignal | undefined
    const result = await confirm({
      now: clock,
      proposal: proposal(),
      store: new RecordingStore(),
      verify: {
        imap: async ({ signal }) => {
          got = signal
        },
      },
      confirmed: true,
      services: ['imap'],
    })
    expect(result.status).toBe('pinned')
    expect(got).toBeInstanceOf(AbortSignal)
    expect(got?.aborted).toBe(false)
  })
})

describe('StagingStore', () => {
  it('refuses entries that were not proposed or that move the endpoint, and cannot forget', async () => {
    const p = proposal()
    const staging = new StagingStore(p.services.map((s) => s.commitment))
    const other = { ...(p.services[0]?.commitment as Commitment), account: 'acct_2' }
    await expect(staging.strengthen(other)).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
    const moved = { ...(p.services[0]?.commitment as Commitment) }
    moved.endpoint = { ...moved.endpoint, host: 'other.example.test' }
    await expect(staging.strengthen(moved)).rejects.toMatchObject({ code: 'MUASTS_ERR_INVALID_OPTION' })
    await expect(staging.requestForget()).rejects.toMatchObject({ code: 'MUASTS_ERR_CONFIRMATION_REQUIRED' })
    expect(await staging.list('acct_1')).toHaveLength(2)
  })
})
