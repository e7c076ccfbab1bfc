// examples/wizard after a provider move (issue #12 items 3 and 8): the account is pinned to the old
// IMAP host, setup now finds another. confirm() refuses with MUASTS_ERR_COMMITMENT_CONFLICT before any
// credential is sent; the page explains the move in plain language and offers the one-step audited
// replacement, which needs a reason. Afterwards the FileStore holds exactly the new servers and its
// audit log one `replace` record.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCommitment } from '@mua-sts/core'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { memoryAccountDirectory } from '../../examples/wizard/src/account-directory.js'
import { chromiumAvailable } from '../../examples/wizard/test-support/chromium.js'
import { type Harness, startHarness } from '../../examples/wizard/test-support/harness.js'
import { carriesSecret, wireLogs } from '../../examples/wizard/test-support/wire-log.js'
import { findServers, visibleText } from '../../examples/wizard/test-support/wizard-page.js'
import { requireOrSkip } from '../support/availability.js'

const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots')
const ACCOUNT = 'acct_alice_moved'
const OLD_HOST = 'imap.oldhost.test'

describe.skipIf(!requireOrSkip(chromiumAvailable(), 'chromium'))('examples/wizard provider move', () => {
  let h: Harness
  let dir: string
  let store: FileStore

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mua-sts-wizard-moved-'))
    store = await FileStore.open({ dir, secrets: new MemorySecretStore() })
    // Set up earlier, when the provider still served IMAP from the old host.
    const old = createCommitment({
      account: ACCOUNT,
      service: 'imap',
      host: OLD_HOST,
      port: 993,
      transport: 'implicit-tls',
      source: 'setup',
      now: '2025-06-01T00:00:00.000Z',
    })
    await store.strengthen(old)
    h = await startHarness({ store, accounts: memoryAccountDirectory({ 'alice@example.test': ACCOUNT }) })
  })
  afterEach(async () => {
    await h?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('explains the move, and replaces the old pin only when the user asks, with one audit record', async () => {
    const { page, demo } = h
    const imapsPort = demo.servers.imaps.port
    await findServers(page, 'alice@example.test')
    await page.check('input[name="ack"]')
    await page.fill('#password', demo.pass)
    await page.click('#confirm-button')
    await page.waitForSelector('#move:not([hidden])')

    // Plain language first; the code only behind Details.
    const shown = await visibleText(page, '#move')
    expect(shown).toContain('The servers for this account have changed')
    expect(shown).toContain(
      `Incoming mail (IMAP): set up with ${OLD_HOST}:993 (SSL/TLS); the servers found now are at mail.example.test:${imapsPort} (SSL/TLS).`,
    )
    expect(shown).not.toContain('MUASTS_ERR')
    expect(await page.textContent('#move details')).toContain('MUASTS_ERR_COMMITMENT_CONFLICT')
    // The conflict is found before any credential test: no server saw the password, nothing changed.
    for (const log of wireLogs(demo)) {
      expect(carriesSecret(log.plain, demo.pass), log.server).toBe(false)
      expect(carriesSecret(log.tls, demo.pass), log.server).toBe(false)
    }
    expect((await store.list()).map((c) => c.endpoint.host)).toEqual([OLD_HOST])
    expect(await store.audit()).toEqual([])
    mkdirSync(SCREENSHOT_DIR, { recursive: true })
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'wizard-provider-moved.png'), fullPage: true })

    // No reason, no replacement.
    await page.click('#move-replace')
    expect(await page.textContent('#move-reason-error')).toContain('Choose or type a reason')
    expect(await store.audit()).toEqual([])

    const reason = 'My provider announced new server settings'
    await page.check(`input[name="move-reason"][value="${reason}"]`)
    await page.click('#move-replace')
    await page.waitForSelector('#pins:not([hidden])')
    expect(await page.textContent('#status')).toContain('The old settings were replaced')
    expect(await page.isHidden('#move')).toBe(true)

    // Exactly the new servers, and one audited replace naming what went and what came.
    const held = await store.list()
    expect(held.map((c) => [c.service, c.endpoint.host, c.endpoint.port])).toEqual([
      ['imap', 'mail.example.test', imapsPort],
      ['submission', 'smtp.mailhost.test', demo.servers.smtps.port],
    ])
    const audit = await store.audit()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ kind: 'replace', account: ACCOUNT, actor: 'user', reason })
    expect(audit[0]?.removed.map((c) => c.endpoint.host)).toEqual([OLD_HOST])
    expect(audit[0]?.added?.map((c) => c.endpoint.host).sort()).toEqual([
      'mail.example.test',
      'smtp.mailhost.test',
    ])
    // The password went to the new servers only, inside TLS only.
    const carried = wireLogs(demo).filter((l) => carriesSecret(l.tls, demo.pass))
    expect(carried.map((l) => l.server)).toEqual(['imaps mail.example.test', 'smtps smtp.mailhost.test'])
    for (const log of wireLogs(demo)) expect(carriesSecret(log.plain, demo.pass), log.server).toBe(false)
  })

  it('keeps the old pin when the user keeps the old settings', async () => {
    const { page, demo } = h
    await findServers(page, 'alice@example.test')
    await page.check('input[name="ack"]')
    await page.fill('#password', demo.pass)
    await page.click('#confirm-button')
    await page.waitForSelector('#move:not([hidden])')
    await page.click('#move-keep')
    expect(await page.isHidden('#move')).toBe(true)
    expect(await page.textContent('#status')).toContain('Nothing was changed')
    expect((await store.list()).map((c) => c.endpoint.host)).toEqual([OLD_HOST])
    expect(await store.audit()).toEqual([])
  })
})
