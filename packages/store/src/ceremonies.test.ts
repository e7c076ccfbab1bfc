// replace and rotatePins (issue #12 items 3-4), on FileStore and MemoryCommitmentStore alike: the audit
// record says exactly what was removed and added, the store then holds exactly `next`, tokens are
// one-time and scoped, and a key outside the pin set becomes acceptable only through rotatePins.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Commitment, type CommitmentStore, ErrorCode, evaluate } from '@mua-sts/core'
import { FIXED_NOW, goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore } from './file-store.js'
import { fileIdOf } from './format/store-file.js'
import { MemoryCommitmentStore } from './memory-store.js'
import { MemorySecretStore } from './secrets/memory.js'

const NOW = new Date('2026-03-01T00:00:00.000Z')
const THIRD_SPKI = Buffer.alloc(32, 7).toString('base64')
const moved = (overrides: Partial<Commitment> = {}) =>
  sampleCommitment({
    endpoint: { host: 'imap.new-provider.example', port: 993, transport: 'implicit-tls' },
    latches: [],
    ...overrides,
  })
const who = { reason: 'provider moved', actor: 'user' }

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mua-sts-ceremony-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

type Listening = CommitmentStore & { on(event: 'replaced', listener: (record: unknown) => void): unknown }
const backends: [string, () => Promise<Listening>][] = [
  ['FileStore', () => FileStore.open({ dir, secrets: new MemorySecretStore(), now: () => NOW })],
  ['MemoryCommitmentStore', async () => new MemoryCommitmentStore({ now: () => NOW })],
]

describe.each(backends)('%s: replace', (_name, make) => {
  let store: Awaited<ReturnType<typeof make>>
  beforeEach(async () => {
    store = await make()
    await store.strengthen(sampleCommitment())
    await store.strengthen(sampleCommitment({ service: 'submission' }))
  })

  it('removes the old commitment and stores the new one exactly as given, with one replace record', async () => {
    const replaced = vi.fn()
    store.on('replaced', replaced)
    const old = await store.get('acct_1', 'imap')
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    const record = await store.replace({ account: 'acct_1', service: 'imap', ...who, confirmation }, [
      moved(),
    ])
    expect(record).toMatchObject({
      kind: 'replace',
      at: NOW.toISOString(),
      account: 'acct_1',
      services: ['imap'],
      ...who,
      removed: [old],
      added: [moved()],
    })
    // No join: the old latches do not survive into the new provider's commitment.
    expect(await store.get('acct_1', 'imap')).toEqual(moved())
    expect((await store.get('acct_1', 'submission'))?.latches).toEqual(['tls-cert', 'tls12'])
    expect(replaced).toHaveBeenCalledWith(record)
  })

  it('replaces every service under an account-wide token, leaving only what was given', async () => {
    const { confirmation } = await store.requestForget('acct_1')
    const record = await store.replace({ account: 'acct_1', ...who, confirmation }, [moved()])
    expect(record.services).toEqual(['imap', 'submission'])
    expect(record.removed.map((c) => c.service)).toEqual(['imap', 'submission'])
    expect(await store.list('acct_1')).toEqual([moved()])
  })

  it('refuses commitments outside the token (other account, other service) without using the token up', async () => {
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    const request = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
    await expect(store.replace(request, [moved({ account: 'acct_2' })])).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await expect(store.replace(request, [moved({ service: 'submission' })])).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await expect(store.replace(request, [])).rejects.toMatchObject({ code: ErrorCode.InvalidOption })
    await expect(store.replace(request, [moved(), moved()])).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
    })
    await expect(
      store.replace(request, [{ ...moved(), endpoint: { host: 'x', port: 0 } } as unknown as Commitment]),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidOption })
    expect((await store.get('acct_1', 'imap'))?.endpoint.host).toBe('imap.example.net')
    await store.replace(request, [moved()])
    // One-time: the same token cannot replace (or forget) again.
    await expect(store.replace(request, [moved()])).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
    await expect(store.forget(request)).rejects.toMatchObject({ code: ErrorCode.ConfirmationRequired })
  })

  it('refuses a request that does not match its token, a short reason or no actor', async () => {
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    const base = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
    for (const bad of [
      { ...base, account: 'acct_2' },
      { ...base, service: 'pop3' as const },
      { ...base, confirmation: 'guessed' },
      { ...base, reason: 'no' },
      { ...base, actor: ' ' },
    ]) {
      await expect(store.replace(bad, [moved()])).rejects.toMatchObject({
        code: ErrorCode.ConfirmationRequired,
      })
    }
    expect((await store.get('acct_1', 'imap'))?.endpoint.host).toBe('imap.example.net')
  })
})

describe.each(backends)('%s: pins only widen through rotatePins', (_name, make) => {
  let store: Awaited<ReturnType<typeof make>>
  const base = sampleCommitment()
  const setup = { source: 'setup', firstSeen: FIXED_NOW, lastConfirmed: FIXED_NOW } as const
  const pinned = sampleCommitment({
    pins: { spki: [SAMPLE_SPKI], backup: [OTHER_SPKI] },
    provenance: { ...base.provenance, [`pin:${SAMPLE_SPKI}`]: setup, [`pin:${OTHER_SPKI}`]: setup },
  })
  const seen = (spki: string) => goodObservation({ certificate: { ...certificate(), spkiSha256: spki } })
  beforeEach(async () => {
    store = await make()
    await store.strengthen(pinned)
  })

  it('refuses a join that would accept another key: no change, no audit record', async () => {
    const before = await store.get('acct_1', 'imap')
    const snapshot = backendBytes()
    await expect(
      store.strengthen(sampleCommitment({ pins: { spki: [THIRD_SPKI], backup: [] } })),
    ).rejects.toMatchObject({ code: ErrorCode.PinConflict })
    expect(await store.get('acct_1', 'imap')).toEqual(before)
    expect(backendBytes()).toEqual(snapshot)
    expect(evaluate(before as Commitment, seen(THIRD_SPKI)).outcome).toBe('violated')
    expect(await auditOf(store)).toEqual([])
  })

  it('installs a new key with one rotate-pins record and keeps every other property', async () => {
    const before = (await store.get('acct_1', 'imap')) as Commitment
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    const pins = { spki: [THIRD_SPKI], backup: [SAMPLE_SPKI] }
    const record = await store.rotatePins(
      {
        account: 'acct_1',
        service: 'imap',
        reason: 'server key rotated',
        actor: 'admin:alice',
        confirmation,
      },
      pins,
    )
    const after = (await store.get('acct_1', 'imap')) as Commitment
    expect(record).toMatchObject({
      kind: 'rotate-pins',
      services: ['imap'],
      removed: [before],
      added: [after],
    })
    expect(after.pins).toEqual(pins)
    expect({ ...after, pins: before.pins, provenance: {} }).toEqual({ ...before, provenance: {} })
    expect(after.provenance[`pin:${THIRD_SPKI}`]).toEqual({
      source: 'setup',
      firstSeen: NOW.toISOString(),
      lastConfirmed: NOW.toISOString(),
    })
    expect(after.provenance[`pin:${SAMPLE_SPKI}`]).toEqual(setup)
    expect(after.provenance[`pin:${OTHER_SPKI}`]).toBeUndefined()
    expect(evaluate(after, seen(THIRD_SPKI)).outcome).toBe('ok')
    expect(evaluate(after, seen(OTHER_SPKI)).outcome).toBe('violated')
  })

  it('refuses a bad pin set, a token for the whole account, and a used token', async () => {
    const account = await store.requestForget('acct_1')
    const wide = { account: 'acct_1', ...who, confirmation: account.confirmation }
    await expect(store.rotatePins(wide, { spki: [THIRD_SPKI], backup: [SAMPLE_SPKI] })).rejects.toMatchObject(
      {
        code: ErrorCode.ConfirmationRequired,
      },
    )
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    const request = { account: 'acct_1', service: 'imap' as const, ...who, confirmation }
    for (const pins of [
      { spki: [THIRD_SPKI], backup: [] },
      { spki: [], backup: [THIRD_SPKI] },
      { spki: [THIRD_SPKI], backup: [THIRD_SPKI] },
      { spki: ['not-a-hash'], backup: [SAMPLE_SPKI] },
      { spki: [THIRD_SPKI] },
    ]) {
      await expect(store.rotatePins(request, pins as never)).rejects.toMatchObject({
        code: ErrorCode.InvalidOption,
      })
    }
    expect(await store.get('acct_1', 'imap')).toEqual(pinned)
    // An empty set is the user's confirmed choice to stop pinning.
    await store.rotatePins(request, { spki: [], backup: [] })
    expect((await store.get('acct_1', 'imap'))?.pins).toEqual({ spki: [], backup: [] })
    await expect(store.rotatePins(request, { spki: [], backup: [] })).rejects.toMatchObject({
      code: ErrorCode.ConfirmationRequired,
    })
  })
})

function certificate() {
  const c = goodObservation().certificate
  if (c === undefined) throw new Error('fixture has no certificate')
  return c
}

/** Every file of the FileStore directory with its bytes (empty for the memory store). */
function backendBytes(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((n) => n.endsWith('.json') || n.endsWith('.jsonl'))
      .map((n) => [n, readFileSync(join(dir, n), 'utf8')]),
  )
}

async function auditOf(store: CommitmentStore): Promise<unknown[]> {
  return store instanceof FileStore ? store.audit() : (store as MemoryCommitmentStore).audit
}

describe('FileStore: replace is one locked step', () => {
  it('appends one audit line and writes the marks once, and a fresh instance reads the result', async () => {
    const secrets = new MemorySecretStore()
    const store = await FileStore.open({ dir, secrets, now: () => NOW })
    await store.strengthen(sampleCommitment())
    const marksName = `store/${store.storeId}/marks`
    const set = vi.spyOn(secrets, 'set')
    const { confirmation } = await store.requestForget('acct_1', 'imap')
    await store.replace({ account: 'acct_1', service: 'imap', ...who, confirmation }, [moved()])
    expect(set.mock.calls.filter(([name]) => name === marksName)).toHaveLength(1)
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1)
    const fresh = await FileStore.open({ dir, secrets })
    expect(await fresh.get('acct_1', 'imap')).toEqual(moved())
    expect((await fresh.audit()).map((r) => r.kind)).toEqual(['replace'])
  })

  it('replaces an account whose file no longer verifies, keeping the bad file in quarantine', async () => {
    const secrets = new MemorySecretStore()
    const store = await FileStore.open({ dir, secrets, now: () => NOW })
    await store.strengthen(sampleCommitment())
    const file = join(dir, `${fileIdOf('acct_1')}.json`)
    rmSync(file)
    const { confirmation, integrity } = await store.requestForget('acct_1')
    expect(integrity).toBe(ErrorCode.StoreRollback)
    const record = await store.replace({ account: 'acct_1', ...who, confirmation }, [moved()])
    expect(record).toMatchObject({ kind: 'replace', removed: [], added: [moved()] })
    expect(record.unverified).toEqual({ code: ErrorCode.StoreRollback, quarantined: null })
    expect(await store.get('acct_1', 'imap')).toEqual(moved())
  })
})
