// The wizard's IPC channel names and the raw bridge a transport offers the page. No imports, so an
// Electron preload (which must stay tiny, and is bundled when sandboxed) can use it without zod.

export const WIZARD_CHANNELS = [
  'wizard:discover',
  /** Adds servers the user typed in to the session's candidates (then probe and propose as usual). */
  'wizard:manual',
  'wizard:probe',
  'wizard:propose',
  'wizard:confirm',
  /** The user pressed Cancel: aborts the session's running credential test (its guarded connects). */
  'wizard:cancel',
  'wizard:pins',
] as const
export type WizardChannel = (typeof WIZARD_CHANNELS)[number]

/** The channel progress and report events are pushed on. */
export const WIZARD_EVENT_CHANNEL = 'wizard:event'

export function isWizardChannel(value: unknown): value is WizardChannel {
  return typeof value === 'string' && (WIZARD_CHANNELS as readonly string[]).includes(value)
}

/**
 * What a transport gives the page, before any validation: Electron's preload exposes one through
 * contextBridge (ipcRenderer.invoke / ipcRenderer.on), the browser demo builds one from fetch + SSE.
 */
export interface RawWizardBridge {
  invoke(channel: WizardChannel, request: unknown): Promise<unknown>
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: unknown) => void): () => void
}
