// The demo's fake servers, DNS zone and throwaway PKI come from @mua-sts/testing, a development package
// that is not a runtime dependency of the CLI. It is imported here only, dynamically, when the demo
// runs: every other command starts without it, and the bundled bin (scripts/build.mjs keeps packages
// external) never imports it at load time. A missing copy is a clear coded error, not a crash.
import { ErrorCode, SdkError } from '@mua-sts/core'

export type TestingModule = typeof import('@mua-sts/testing')

let loaded: Promise<TestingModule> | undefined

function missing(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes('@mua-sts/testing')
  )
}

/** @mua-sts/testing, loaded once. Rejects with MUASTS_ERR_INVALID_OPTION when it is not installed. */
export function loadTesting(): Promise<TestingModule> {
  loaded ??= import('@mua-sts/testing').catch((error: unknown) => {
    loaded = undefined
    if (!missing(error)) throw error
    throw new SdkError(
      ErrorCode.InvalidOption,
      'the demo needs the development package @mua-sts/testing, which is not installed with the CLI; run it from the mua-sts repository (npm run demo) or install @mua-sts/testing',
      { cause: error },
    )
  })
  return loaded
}
