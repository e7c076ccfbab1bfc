// The page's side of the IPC contract: every answer and every pushed event is parsed with the
// contract's zod schemas before the UI looks at it, whichever transport carried it.
import {
  ipcResultSchema,
  type RawWizardBridge,
  RESPONSE_SCHEMAS,
  type WizardChannel,
  type WizardEvent,
  WizardEventSchema,
  type WizardResponses,
} from '../src/ipc-schema.js'

/** A handler answered with an error envelope; `code` is the SDK's MUASTS_ERR_* code. */
export class WizardCallError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'WizardCallError'
    this.code = code
  }
}

export type WizardClient = {
  call<K extends WizardChannel>(channel: K, request: unknown): Promise<WizardResponses[K]>
  onEvent(listener: (event: WizardEvent) => void): () => void
}

export function wizardClient(raw: RawWizardBridge): WizardClient {
  return {
    async call(channel, request) {
      const parsed = ipcResultSchema(RESPONSE_SCHEMAS[channel]).safeParse(await raw.invoke(channel, request))
      if (!parsed.success) throw new WizardCallError('MALFORMED_RESPONSE', `${channel}: unexpected answer`)
      const result = parsed.data
      if (!result.ok) throw new WizardCallError(result.error.code, result.error.message)
      return result.value as WizardResponses[typeof channel]
    },
    onEvent(listener) {
      return raw.onEvent((data) => {
        const parsed = WizardEventSchema.safeParse(data)
        if (parsed.success) listener(parsed.data)
      })
    },
  }
}
