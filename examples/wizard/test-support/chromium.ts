// Headless Chromium for the wizard's end-to-end test (playwright-core drives the system's Chromium;
// no browser download). Lives in the example so `playwright-core` resolves from its package.json.
import { existsSync } from 'node:fs'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH)
}

// No QUIC, sync, component updates or background fetches: the only traffic is to the wizard on 127.0.0.1.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches Chromium with a fresh profile in `userDataDir` (passed as --user-data-dir). Does I/O. */
export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
  })
}

export type { BrowserContext, Page } from 'playwright-core'
