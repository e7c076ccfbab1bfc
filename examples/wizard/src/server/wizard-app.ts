// The browser demo's backend, wired as an Electron main process would be (see examples/electron-main):
// one store, one report dispatcher forwarding refusals to the page, the IPC handlers, and a transport
// (here HTTP + SSE instead of ipcMain/webContents).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommitmentStore } from '@mua-sts/core'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import type { AccountDirectory } from '../account-directory.js'
import { createWizardApi, type WizardDeps } from '../ipc-api.js'
import { reportEventView } from '../views.js'
import { buildPage } from './build-page.js'
import type { DemoEnvironment } from './demo-environment.js'
import { startHttpBridge } from './http-bridge.js'

export type WizardAppOptions = {
  /** Point discovery, the probe and the guards at a demo environment instead of the network. */
  readonly demo?: DemoEnvironment
  /** Where commitments are pinned. Default: FileStore on the OS keychain, or with `demo`, see below. */
  readonly store?: CommitmentStore
  /** The app's account list (default: in memory, so a second setup of one address reuses its account). */
  readonly accounts?: AccountDirectory
  readonly port?: number
}

export type WizardApp = {
  readonly url: string
  readonly store: CommitmentStore
  close(): Promise<void>
}

/**
 * Builds the page, opens the store and serves the wizard on 127.0.0.1. Does I/O. With `demo` and no
 * `store`, commitments go to a FileStore in a temporary directory whose integrity key is held in
 * memory (MemorySecretStore): DEMO ONLY, it protects nothing and is gone on exit.
 */
export async function startWizardApp(o: WizardAppOptions = {}): Promise<WizardApp> {
  const work = await mkdtemp(join(tmpdir(), 'mua-sts-wizard-'))
  const pageDir = join(work, 'page')
  await buildPage(pageDir)
  const store =
    o.store ??
    (o.demo === undefined
      ? await FileStore.open()
      : await FileStore.open({ dir: join(work, 'store'), secrets: new MemorySecretStore() }))
  const reports = new ReportDispatcher()
  const deps: WizardDeps = {
    store,
    reports,
    ...(o.accounts === undefined ? {} : { accounts: o.accounts }),
    ...(o.demo === undefined ? {} : { trust: o.demo.trust, discover: o.demo.discover }),
  }
  const bridge = await startHttpBridge({
    api: createWizardApi(deps),
    staticDir: pageDir,
    ...(o.port === undefined ? {} : { port: o.port }),
  })
  reports.add(callbackSink((event) => bridge.broadcast(reportEventView(event)), 'wizard-page'))
  return {
    url: bridge.url,
    store,
    close: async () => {
      await bridge.close()
      await rm(work, { recursive: true, force: true })
    },
  }
}
