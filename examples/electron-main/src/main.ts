// An Electron main process embedding mua-sts: the commitment store (safeStorage, or keytar), one
// report dispatcher for every guard (renderer + JSONL outbox), the setup wizard over ipcMain.handle,
// and the guarded IMAP/SMTP clients for the app's mail traffic (mail-clients.ts).
//
// Type-checked in CI against Electron 45's typings (test/examples/electron-main.test.ts), not run:
// there is no Electron binary in CI. The wizard itself runs end to end in examples/wizard.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow } from 'electron'
import { createWizardApi } from '../../wizard/src/ipc-api.js'
import { type KeyCustody, openCommitmentStore } from './commitment-store.js'
import { createReportForwarding } from './report-forwarding.js'
import { registerWizardIpc } from './wizard-ipc.js'

/** The wizard page (examples/wizard/web) built with Vite into this directory. */
const PAGE = join(import.meta.dirname, 'renderer', 'index.html')
/** preload.ts bundled to one CommonJS file (a sandboxed preload cannot load modules). */
const PRELOAD = join(import.meta.dirname, 'preload.cjs')

let wizardWindow: BrowserWindow | undefined

async function main(): Promise<void> {
  await app.whenReady()
  // safeStorage unless the app ships a keytar rebuilt for this Electron (see commitment-store.ts).
  const custody: KeyCustody = process.env['MUA_STS_KEY_CUSTODY'] === 'keychain' ? 'keychain' : 'safeStorage'
  const store = await openCommitmentStore(custody)
  const { reports } = createReportForwarding(() => wizardWindow?.webContents)
  // Tampering, rollback or a locked keychain: connections are already refused; tell the user why.
  store.on('integrity-failure', ({ code, reason }) => {
    wizardWindow?.webContents.send('mua-sts:integrity-failure', { code, reason })
  })
  registerWizardIpc(createWizardApi({ store, reports }), pathToFileURL(PAGE).href)

  wizardWindow = new BrowserWindow({
    width: 1000,
    height: 860,
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false },
  })
  // The page never navigates; anything else (a link in server text, a redirect) stays out of this window.
  wizardWindow.webContents.on('will-navigate', (event) => event.preventDefault())
  wizardWindow.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  wizardWindow.on('closed', () => {
    wizardWindow = undefined
  })
  await wizardWindow.loadFile(PAGE)
}

app.on('window-all-closed', () => app.quit())
main().catch((error: unknown) => {
  console.error('mua-sts example failed to start:', error)
  app.exit(1)
})
