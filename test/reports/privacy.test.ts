// Reports leave the process (outbox file, collector, TLSRPT export). They may name the account only by
// its opaque ref; usernames, passwords, tokens and message data have no field and are refused if added.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AccountRefSchema, ErrorCode, type Report } from '@mua-sts/core'
import { decodeFrame, FRAME_PREFIX, frameChecksum, HttpsDelivery, JsonlOutbox } from '@mua-sts/reports'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { type Collector, startCollector } from '../support/collector.js'
import { sampleReport } from './sample-reports.js'

// What the app holds for this account; none of it is ever handed to the reporting path.
const USERNAME = 'alice.liddell@example.net'
const PASSWORD = 'correct horse battery staple'
const TOKEN = 'ya29.a0AfH6SMBx-oauth-token'
const REF = 'acct_7f3a9c'

let collector: Collector
beforeAll(async () => {
  collector = await startCollector({ leaf: testPki().good })
})
afterAll(() => collector.close())

/** Every (path, value) pair of a JSON value. */
function leaves(value: unknown, path: string[] = []): Array<[string[], unknown]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, String(i)]))
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))
  }
  return [[path, value]]
}

describe('report privacy', () => {
  it('carries the account only as its opaque ref, in the outbox, on the wire and in the export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-privacy-'))
    const outbox = new JsonlOutbox({ dir })
    const report = sampleReport({ account: REF, codes: ['certificate_not_trusted', 'spki_pin_mismatch'] })
    outbox.write(report)

    const accountLeaves = leaves(report).filter(([path]) =>
      path.some((p) => /account|ref|user|login/i.test(p)),
    )
    expect(accountLeaves.map(([path]) => path.join('.')).sort()).toEqual(['account.ref', 'expected.account'])
    for (const [, value] of accountLeaves) {
      expect(value).toBe(REF)
      expect(AccountRefSchema.safeParse(value).success).toBe(true)
    }

    const delivery = new HttpsDelivery({ outbox, endpoint: collector.url, ca: testPki().caCert })
    await delivery.flush()
    await delivery.stop()
    const exported = JSON.stringify(outbox.exportAggregate({ from: '2026-01-01', to: '2027-01-01' }))
    const stored = outbox
      .segments()
      .map((s) => readFileSync(outbox.segmentPath(s), 'utf8'))
      .join('')
    const wire = collector.posts.map((p) => p.raw).join('')
    expect(wire).toContain(REF)
    expect(stored).toContain(REF)
    expect(exported).not.toContain(REF) // the export only counts accounts
    for (const text of [stored, wire, exported]) {
      for (const secret of [USERNAME, PASSWORD, TOKEN, 'alice', '@example.net'])
        expect(text).not.toContain(secret)
    }
  })

  it('refuses a report that tries to carry a username, password or token', () => {
    const outbox = new JsonlOutbox({ dir: mkdtempSync(join(tmpdir(), 'mua-sts-privacy-')) })
    const base = sampleReport({ account: REF })
    const smuggled: unknown[] = [
      { ...base, account: { ref: USERNAME } },
      { ...base, account: { ref: REF, username: USERNAME } },
      { ...base, credentials: { password: PASSWORD } },
      { ...base, sdk: { ...base.sdk, token: TOKEN } },
    ]
    for (const bad of smuggled) {
      expect(() => outbox.write(bad as Report)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidOption }),
      )
    }
    expect(outbox.read().reports).toEqual([])
  })

  it('never reads back a hand-edited record that adds a credential field, even with a valid checksum', () => {
    const json = JSON.stringify({ ...sampleReport({ account: REF }), password: PASSWORD })
    expect(decodeFrame(`${FRAME_PREFIX}${frameChecksum(json)}","report":${json}}`)).toEqual({
      ok: false,
      reason: 'schema_invalid',
    })
  })
})
