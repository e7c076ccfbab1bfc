// The setup wizard over Electron IPC: each handler of examples/wizard/src/ipc-api.ts becomes an
// ipcMain.handle channel, and its progress events go back to the window that asked.
import { app, type IpcMainInvokeEvent, ipcMain } from 'electron'
import type { WizardApi } from '../../wizard/src/ipc-api.js'
import { WIZARD_CHANNELS, WIZARD_EVENT_CHANNEL } from '../../wizard/src/ipc-channels.js'

/** Electron security checklist §17: only our own page may call; not a frame navigated elsewhere. */
function fromOurPage(event: IpcMainInvokeEvent, pageUrl: string): boolean {
  return event.senderFrame !== null && event.senderFrame.url === pageUrl
}

/** Registers every wizard channel (WIZARD_CHANNELS). Returns a function that removes them again. */
export function registerWizardIpc(api: WizardApi, pageUrl: string): () => void {
  for (const channel of WIZARD_CHANNELS) {
    ipcMain.handle(channel, (event, input: unknown) => {
      if (!fromOurPage(event, pageUrl)) {
        return { ok: false, error: { code: 'MUASTS_ERR_INVALID_OPTION', message: 'not the wizard page' } }
      }
      const sender = event.sender
      // Requests are validated inside the handler (zod); responses are plain JSON for structured clone.
      return api[channel](input, (wizardEvent) => {
        if (!sender.isDestroyed()) sender.send(WIZARD_EVENT_CHANNEL, wizardEvent)
      })
    })
  }
  const remove = (): void => {
    for (const channel of WIZARD_CHANNELS) ipcMain.removeHandler(channel)
  }
  app.once('will-quit', remove)
  return remove
}
