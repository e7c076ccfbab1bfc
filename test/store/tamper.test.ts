// Tamper evidence: every single-byte change of an account file is detected (corrupt), and putting back
// an older authentic file, or a different file with the same sequence number, is detected (rollback).
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Commitment, ErrorCode, isSdkError } from '@mua-sts/core'
import { OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from '@mua-sts/core/testing'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

let tmp: ReturnType<typeof tempDir>
let secrets: MemorySecretStore
let store: FileStore
beforeEach(async () => {
  tmp = tempDir('tamper')
  secrets = new MemorySecretStore()
  store = await FileStore.open({ dir: tmp.dir, secrets })
})
afterEach(() => tmp.remove())

/** A commitment that uses every field, so flips land in every part of the format. */
function rich(service: Commitment['service']): Commitment {
  return sampleCommitment({
    service,
    latches: ['tls-cert', 'tls-dane-tlsa', 'tls12'],
    directives: { tlsVersion: '1.3', tlsCert: 'pkix+dane' },
    pins: { spki: [SAMPLE_SPKI], backup: [OTHER_SPKI] },
    statusUrl: { url: 'https://status.example.net/deep', seenAt: '2026-01-01T00:00:00.000Z' },
  })
}

async function accountFile(): Promise<string> {
  const names = readdirSync(tmp.dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
  return join(tmp.dir, names[0] as string)
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return isSdkError(error) ? error.code : `unexpected: ${String(error)}`
  }
}

describe('FileStore tamper evidence', () => {
  it('detects every single-byte flip of an account file as corrupt (≥ 1,000 cases)', async () => {
    for (const s of ['imap', 'pop3', 'submission'] as const) await store.strengthen(rich(s))
    const path = await accountFile()
    const original = readFileSync(path)
    // Each position with three masks: low bit, high bit (invalid UTF-8) and a mask that turns space into
    // tab or newline into CR, i.e. changes that a lax parser would not even see.
    const masks = [0x01, 0x80, 0x29]
    const outcomes = new Map<string, number>()
    let cases = 0
    for (let i = 0; i < original.length; i++) {
      for (const mask of masks) {
        const bytes = Buffer.from(original)
        bytes[i] = (bytes[i] as number) ^ mask
        writeFileSync(path, bytes)
        const code = await codeOf(store.get('acct_1', 'imap'))
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1)
        cases++
      }
    }
    expect(cases).toBeGreaterThanOrEqual(1000)
    expect(Object.fromEntries(outcomes)).toEqual({ [ErrorCode.StoreCorrupt]: cases })
    writeFileSync(path, original)
    expect((await store.get('acct_1', 'imap'))?.latches).toEqual(['tls-cert', 'tls-dane-tlsa', 'tls12'])
  })

  it('detects every truncation of an account file as corrupt', async () => {
    await store.strengthen(rich('imap'))
    const path = await accountFile()
    const original = readFileSync(path)
    for (let len = 0; len < original.length; len++) {
      writeFileSync(path, original.subarray(0, len))
      expect(await codeOf(store.get('acct_1', 'imap')), `length ${len}`).toBe(ErrorCode.StoreCorrupt)
    }
  })

  it('detects an older authentic copy put back as a rollback, in this and in a fresh instance', async () => {
    await store.strengthen(sampleCommitment({ latches: ['tls12'] }))
    const path = await accountFile()
    copyFileSync(path, `${path}.old`)
    await store.strengthen(sampleCommitment({ latches: ['tls-cert', 'tls12'] }))
    copyFileSync(`${path}.old`, path)
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    expect(await codeOf((await FileStore.open({ dir: tmp.dir, secrets })).get('acct_1', 'imap'))).toBe(
      ErrorCode.StoreRollback,
    )
    // And a write never builds on the rolled-back file.
    expect(await codeOf(store.strengthen(sampleCommitment()))).toBe(ErrorCode.StoreRollback)
    expect(readFileSync(path)).toEqual(readFileSync(`${path}.old`))
  })

  it('detects a different authentic file with the same sequence number as a rollback', async () => {
    // A forked history (e.g. file and keychain restored from a backup, then written again): two
    // authentic files that both claim seq 2.
    await store.strengthen(sampleCommitment({ latches: ['tls12'] }))
    const path = await accountFile()
    const marksName = `store/${store.storeId}/marks`
    const [fileAtSeq1, marksAtSeq1] = [readFileSync(path), (await secrets.get(marksName)) as string]
    await store.strengthen(sampleCommitment({ latches: ['tls-dane-tlsa'] }))
    const forked = readFileSync(path)
    writeFileSync(path, fileAtSeq1)
    await secrets.set(marksName, marksAtSeq1)
    await store.strengthen(sampleCommitment({ latches: ['tls-cert'] }))
    expect(JSON.parse(readFileSync(path, 'utf8')).seq).toBe(JSON.parse(forked.toString('utf8')).seq)
    writeFileSync(path, forked)
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
  })

  it('detects a deleted account file as a rollback, both for one account and for the whole store', async () => {
    await store.strengthen(sampleCommitment())
    rmSync(await accountFile())
    expect(await codeOf(store.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
    expect(await codeOf(store.list())).toBe(ErrorCode.StoreRollback)
  })

  it('detects a wiped store directory as a rollback instead of starting over', async () => {
    await store.strengthen(sampleCommitment())
    for (const name of readdirSync(tmp.dir)) rmSync(join(tmp.dir, name), { recursive: true })
    const reopened = await FileStore.open({ dir: tmp.dir, secrets })
    expect(await codeOf(reopened.get('acct_1', 'imap'))).toBe(ErrorCode.StoreRollback)
  })

  it('detects an account file copied over another account as corrupt', async () => {
    await store.strengthen(sampleCommitment({ account: 'acct_1' }))
    await store.strengthen(sampleCommitment({ account: 'acct_2', latches: [] }))
    const [a, b] = readdirSync(tmp.dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
    copyFileSync(join(tmp.dir, a as string), join(tmp.dir, b as string))
    expect(await codeOf(store.list())).toBe(ErrorCode.StoreCorrupt)
  })

  it("reports each detection through the 'integrity-failure' event as well as the thrown error", async () => {
    await store.strengthen(sampleCommitment())
    writeFileSync(await accountFile(), '{}')
    const seen: string[] = []
    store.on('integrity-failure', (f) => seen.push(`${f.code}:${f.account}`))
    await codeOf(store.get('acct_1', 'imap'))
    expect(seen).toEqual([`${ErrorCode.StoreCorrupt}:acct_1`])
  })
})
