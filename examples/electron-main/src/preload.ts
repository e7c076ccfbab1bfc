// Preload for the wizard window (contextIsolation on, sandbox on, no nodeIntegration). It exposes
// exactly the RawWizardBridge the page expects as `window.muaStsWizard`, for the wizard channels
// only. A sandboxed preload cannot import modules at run time: bundle it (esbuild/Vite) to one file.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron'
import { isWizardChannel, type RawWizardBridge, WIZARD_EVENT_CHANNEL } from '../../wizard/src/ipc-channels.js'

const bridge: RawWizardBridge = {
  invoke(channel, request) {
    if (!isWizardChannel(channel)) return Promise.reject(new Error('unknown channel'))
    return ipcRenderer.invoke(channel, request)
  },
  onEvent(listener) {
    // Never hand the IpcRendererEvent itself to the page: it exposes `sender` (ipcRenderer).
    const handler = (_event: IpcRendererEvent, data: unknown): void => listener(data)
    ipcRenderer.on(WIZARD_EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.off(WIZARD_EVENT_CHANNEL, handler)
    }
  },
}

contextBridge.exposeInMainWorld('muaStsWizard', bridge)
