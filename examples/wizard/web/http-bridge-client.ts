// The browser demo's transport: `POST ./ipc/<channel>` for calls, Server-Sent Events for pushed events
// (see src/server/http-bridge.ts). The per-launch token comes from the page's own HTML.
import type { RawWizardBridge } from '../src/ipc-schema.js'

/** Opens the event stream (resolves once it is connected, so no progress event is missed). */
export async function connectHttpBridge(): Promise<RawWizardBridge> {
  const token = document.querySelector<HTMLMetaElement>('meta[name="wizard-token"]')?.content ?? ''
  const listeners = new Set<(event: unknown) => void>()
  const source = new EventSource(`./events?token=${encodeURIComponent(token)}`)
  source.addEventListener('message', (message) => {
    let data: unknown
    try {
      data = JSON.parse(message.data as string)
    } catch {
      return
    }
    for (const listener of listeners) listener(data)
  })
  await new Promise<void>((resolve, reject) => {
    source.addEventListener('open', () => resolve(), { once: true })
    source.addEventListener('error', () => reject(new Error('event stream unavailable')), { once: true })
  })
  return {
    async invoke(channel, request) {
      const res = await fetch(`./ipc/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-wizard-token': token },
        body: JSON.stringify(request),
      })
      if (!res.ok) throw new Error(`${channel}: HTTP ${res.status}`)
      return res.json()
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
