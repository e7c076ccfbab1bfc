// examples/wizard when discovery finds nothing (issue #12 item 8): the user types the servers in, and
// they are labelled "entered by you", probed over TLS like any found candidate, need the user's
// confirmation, and get the password only after that, only inside TLS.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chromiumAvailable } from '../../examples/wizard/test-support/chromium.js'
import { type Harness, startHarness } from '../../examples/wizard/test-support/harness.js'
import { carriesSecret, wireLogs } from '../../examples/wizard/test-support/wire-log.js'
import {
  greenNextToRed,
  probeRows,
  serviceCards,
  waitForProposal,
} from '../../examples/wizard/test-support/wizard-page.js'
import { requireOrSkip } from '../support/availability.js'

const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots')

describe.skipIf(!requireOrSkip(chromiumAvailable(), 'chromium'))(
  'examples/wizard manual server entry',
  () => {
    let h: Harness
    beforeEach(async () => {
      h = await startHarness()
    })
    afterEach(async () => {
      await h?.close()
    })

    it('offers manual entry when nothing is found, and checks typed-in servers like found ones', async () => {
      const { page, demo, app } = h
      const carol = demo.unlisted
      await page.fill('#email', carol.user)
      await page.click('#find')
      await page.waitForSelector('#manual:not([hidden])')
      expect(await page.textContent('#manual-why')).toBe('No mail servers were found for unlisted.test.')
      expect(await page.isHidden('#proposal')).toBe(true)

      // An incomplete form is answered inline, before anything is sent.
      await page.click('#manual-check')
      expect(await page.textContent('#manual-error')).toBe('Enter at least one server name.')

      await page.selectOption('#manual-incoming-service', 'imap')
      await page.selectOption('#manual-incoming-transport', 'implicit-tls')
      await page.fill('#manual-incoming-host', ` ${carol.host.toUpperCase()} `)
      await page.fill('#manual-incoming-port', String(carol.imapsPort))
      await page.selectOption('#manual-outgoing-transport', 'starttls')
      await page.fill('#manual-outgoing-host', carol.host)
      await page.fill('#manual-outgoing-port', String(carol.submissionPort))
      await page.click('#manual-check')
      await waitForProposal(page)

      // Probed like any candidate, labelled as entered by the user (no verdict before the checks).
      const rows = await probeRows(page)
      expect(rows.map((r) => [r.host, r.trust, r.status])).toEqual([
        [carol.host, 'entered_by_user', 'compliant'],
        [carol.host, 'entered_by_user', 'compliant'],
      ])
      for (const r of rows) {
        expect(r.steps).toEqual(['started', 'tls-ok', 'done'])
        expect(r.text).toContain('entered by you')
      }
      const cards = await serviceCards(page)
      expect(cards.map((c) => c.service)).toEqual(['imap', 'submission'])
      for (const c of cards) expect(c.text).toContain('Needs confirmation: entered by you')
      expect(await page.$$eval('input[name="ack"]', (boxes) => boxes.length)).toBe(2)
      expect(await greenNextToRed(page)).toEqual([])

      // Nothing credential-shaped went anywhere while probing.
      for (const log of wireLogs(demo)) {
        expect(carriesSecret(log.plain, carol.pass), log.server).toBe(false)
        expect(carriesSecret(log.tls, carol.pass), log.server).toBe(false)
      }
      expect(await app.store.list()).toEqual([])
      mkdirSync(SCREENSHOT_DIR, { recursive: true })
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'wizard-manual-entry.png'), fullPage: true })

      for (const box of await page.$$('input[name="ack"]')) await box.check()
      await page.fill('#password', carol.pass)
      await page.click('#confirm-button')
      await page.waitForSelector('#pins:not([hidden])')
      expect(
        (await app.store.list()).map((c) => [
          c.service,
          c.endpoint.host,
          c.endpoint.port,
          c.endpoint.transport,
        ]),
      ).toEqual([
        ['imap', carol.host, carol.imapsPort, 'implicit-tls'],
        ['submission', carol.host, carol.submissionPort, 'starttls'],
      ])
      // The password reached exactly the two typed-in servers, inside TLS only.
      const carried = wireLogs(demo).filter((l) => carriesSecret(l.tls, carol.pass))
      expect(carried.map((l) => l.server)).toEqual([
        'imaps mail.unlisted.test',
        'submission+starttls mail.unlisted.test',
      ])
      for (const log of wireLogs(demo)) expect(carriesSecret(log.plain, carol.pass), log.server).toBe(false)
    })

    it('says which typed-in server failed the checks, proposes nothing from it, and sends nothing', async () => {
      const { page, demo, app } = h
      const carol = demo.unlisted
      await page.fill('#email', carol.user)
      await page.click('#find')
      await page.waitForSelector('#manual:not([hidden])')
      // The STARTTLS port entered as implicit TLS: the server greets in plaintext, so no TLS session.
      await page.fill('#manual-incoming-host', carol.host)
      await page.selectOption('#manual-incoming-transport', 'implicit-tls')
      await page.fill('#manual-incoming-port', String(carol.submissionPort))
      await page.click('#manual-check')
      await waitForProposal(page)

      const rows = await probeRows(page)
      expect(rows).toHaveLength(1)
      expect(rows[0]?.status).not.toBe('compliant')
      expect(await serviceCards(page)).toEqual([])
      expect(await page.isHidden('#confirm')).toBe(true)
      // The form comes back, saying why, for another try.
      expect(await page.textContent('#manual-why')).toBe(
        'None of the servers could be used. Check the settings, or enter others.',
      )
      expect(await page.isVisible('#manual')).toBe(true)
      expect(await greenNextToRed(page)).toEqual([])
      for (const log of wireLogs(demo)) expect(carriesSecret(log.tls, carol.pass), log.server).toBe(false)
      expect(await app.store.list()).toEqual([])
    })
  },
)
