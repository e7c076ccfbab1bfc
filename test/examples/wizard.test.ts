// examples/wizard end to end: the Vite-built page in headless Chromium, the backend on 127.0.0.1, and
// the demo domain's real TLS servers. The fake servers' byte logs are the witness: no credential may
// reach any server while the wizard discovers and probes, and after the user confirmed, the password
// goes only to the proposed endpoints, only over TLS.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DemoEnvironment,
  startDemoEnvironment,
} from '../../examples/wizard/src/server/demo-environment.js'
import { startWizardApp, type WizardApp } from '../../examples/wizard/src/server/wizard-app.js'
import {
  type BrowserContext,
  chromiumAvailable,
  launchChromium,
} from '../../examples/wizard/test-support/chromium.js'
import { carriesSecret, wireLogs } from '../../examples/wizard/test-support/wire-log.js'
import {
  findServers,
  greenNextToRed,
  openWizard,
  probeRows,
  serviceCards,
  visibleText,
} from '../../examples/wizard/test-support/wizard-page.js'
import { requireOrSkip } from '../support/availability.js'

const ROOT = join(import.meta.dirname, '..', '..')
// Written to the git-ignored test-results/ on every run; docs/images/wizard.png is a reviewed copy.
const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots')
const SCREENSHOT = join(SCREENSHOT_DIR, 'wizard.png')

describe.skipIf(!requireOrSkip(chromiumAvailable(), 'chromium'))(
  'examples/wizard in headless Chromium',
  () => {
    let demo: DemoEnvironment
    let app: WizardApp
    let browser: BrowserContext
    let profile: string

    beforeAll(async () => {
      demo = await startDemoEnvironment()
      app = await startWizardApp({ demo })
      profile = mkdtempSync(join(tmpdir(), 'mua-sts-chromium-'))
      browser = await launchChromium(profile)
    })
    afterAll(async () => {
      await browser?.close()
      await app?.close()
      await demo?.close()
      if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
    })

    it('probes live, refuses the hijacked candidate, and sends the password only over TLS after the user confirmed', async () => {
      const page = browser.pages()[0] ?? (await browser.newPage())
      await openWizard(page, app.url)
      // Live progress: rows fill in from pushed events (data-steps is written only by events).
      await findServers(page, 'alice@example.test')
      const rows = await probeRows(page)
      expect(rows).toHaveLength(4)
      for (const row of rows) expect(row.steps.at(-1)).toBe('done')
      const evil = rows.find((r) => r.host === 'evil.example.test')
      expect(evil).toMatchObject({ status: 'refused', steps: ['started', 'failed', 'done'] })
      expect(evil?.text).toContain('The certificate is not issued by a trusted authority.')
      // Its SRV record is in-domain ("trusted" provenance), yet no green label sits next to "refused".
      expect(evil?.trust).toBe('srv_target_in_domain')
      expect(await greenNextToRed(page)).toEqual([])
      expect(
        await page.$$eval('.badge.trusted', (b) => b.map((x) => x.closest('#services') !== null)),
      ).toEqual([true])

      // The proposal: trust labels, what needs confirming, and the refused candidate never proposed.
      const proposed = await serviceCards(page)
      expect(proposed.map((c) => c.service)).toEqual(['imap', 'submission'])
      expect(proposed[0]?.text).toContain('mail.example.test')
      expect(proposed[0]?.text).toContain('Trusted: SRV record pointing inside the mail domain')
      expect(proposed[1]?.text).toContain('smtp.mailhost.test')
      expect(proposed[1]?.text).toContain('Needs confirmation: SRV record pointing outside the mail domain')
      expect(proposed.some((c) => c.text.includes('evil.example.test'))).toBe(false)
      // The violation code is kept for support, behind the closed Details toggle.
      const notUsed = 'li[data-host="evil.example.test"]'
      expect(await page.textContent(`#rejected ${notUsed} details`)).toContain('certificate_not_trusted')
      expect(await visibleText(page, `#rejected ${notUsed}`)).not.toContain('certificate_not_trusted')
      expect(await page.$$eval('input[name="ack"]', (boxes) => boxes.length)).toBe(1)

      // Discovery and probing sent no credential, in any form, to any server.
      for (const log of wireLogs(demo)) {
        expect(carriesSecret(log.plain, demo.pass), log.server).toBe(false)
        expect(carriesSecret(log.tls, demo.pass), log.server).toBe(false)
      }
      expect(demo.servers.imaps.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
      expect(demo.servers.smtps.verbs()).not.toContain('AUTH')
      expect(demo.servers.evilImaps.received).toHaveLength(0)
      expect(await app.store.list()).toEqual([])

      await page.check('input[name="ack"]')
      await page.fill('#password', demo.pass)
      await page.click('#confirm-button')
      await page.waitForSelector('#pins:not([hidden])')
      const pins = await page.$$eval('#pins-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''))
      expect(pins).toHaveLength(2)
      expect(pins[0]).toContain(`mail.example.test:${demo.servers.imaps.port}`)
      expect(pins[0]).toContain('a valid certificate, TLS 1.2 or newer')
      expect(pins[0]).toContain('tls-cert tls12') // the DEEP tags, behind Details
      expect(pins[0]).toContain('https://status.example.test/mail')
      expect(pins[1]).toContain(`smtp.mailhost.test:${demo.servers.smtps.port}`)
      expect((await app.store.list()).map((c) => `${c.service} ${c.endpoint.host}`)).toEqual([
        'imap mail.example.test',
        'submission smtp.mailhost.test',
      ])

      // After confirm: the password reached exactly the two proposed endpoints, inside TLS only.
      const after = new Map(wireLogs(demo).map((l) => [l.server, l]))
      for (const log of after.values()) expect(carriesSecret(log.plain, demo.pass), log.server).toBe(false)
      const tlsCarried = [...after.values()]
        .filter((l) => carriesSecret(l.tls, demo.pass))
        .map((l) => l.server)
      expect(tlsCarried).toEqual(['imaps mail.example.test', 'smtps smtp.mailhost.test'])
      expect(demo.servers.smtps.logins).toEqual([
        { conn: expect.any(Number), phase: 'tls', user: demo.user, ok: true },
      ])
      expect(demo.servers.evilImaps.received).toHaveLength(0)

      mkdirSync(SCREENSHOT_DIR, { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
    })
  },
)

describe('examples/wizard page sources', () => {
  it('type-check against the DOM typings with the workspace strict flags', () => {
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc')
    const r = spawnSync(tsc, ['-p', join(ROOT, 'examples/wizard/web/tsconfig.json')], { encoding: 'utf8' })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
