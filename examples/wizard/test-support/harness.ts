// One end-to-end run of the wizard: the demo domain's servers, the backend on 127.0.0.1, and headless
// Chromium with a fresh profile. Each test gets its own, so byte logs and stores start empty, and
// close() leaves no process or temporary directory behind.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommitmentStore } from '@mua-sts/core'
import type { AccountDirectory } from '../src/account-directory.js'
import { type DemoEnvironment, startDemoEnvironment } from '../src/server/demo-environment.js'
import { startWizardApp, type WizardApp } from '../src/server/wizard-app.js'
import { type BrowserContext, launchChromium, type Page } from './chromium.js'
import { openWizard } from './wizard-page.js'

export type Harness = {
  readonly demo: DemoEnvironment
  readonly app: WizardApp
  readonly browser: BrowserContext
  /** The wizard, loaded and ready. */
  readonly page: Page
  /** Every `/ipc/<channel>` the page called, in order (what crossed the bridge, not what it meant). */
  readonly calls: string[]
  close(): Promise<void>
}

export type HarnessOptions = { readonly store?: CommitmentStore; readonly accounts?: AccountDirectory }

/** Starts everything and opens the page. Does I/O; on failure, stops what it started. */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const profile = mkdtempSync(join(tmpdir(), 'mua-sts-chromium-'))
  const stops: Array<() => Promise<void>> = [async () => rmSync(profile, { recursive: true, force: true })]
  const close = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop()
  }
  try {
    const demo = await startDemoEnvironment()
    stops.push(() => demo.close())
    const app = await startWizardApp({ demo, ...o })
    stops.push(() => app.close())
    const browser = await launchChromium(profile)
    stops.push(() => browser.close())
    const page = browser.pages()[0] ?? (await browser.newPage())
    const calls: string[] = []
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname
      if (path.startsWith('/ipc/')) calls.push(path.slice('/ipc/'.length))
    })
    await openWizard(page, app.url)
    return { demo, app, browser, page, calls, close }
  } catch (error) {
    await close()
    throw error
  }
}
