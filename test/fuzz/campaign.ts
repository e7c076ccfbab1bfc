// A fuzz campaign: many generated cases of one protocol, run `concurrency` at a time in this process,
// with process-wide crash accounting (an uncaught exception or unhandled rejection anywhere while the
// campaign runs is a crash: it would have killed an Electron main process). Shared by the CI slice
// (guard-fuzz.test.ts) and the 100k runner (scripts/fuzz.mjs → worker.ts).
import { runCase, type Verdict } from './run-case.js'
import { type FuzzCase, type Protocol, sampleCases } from './scripts.js'

export type CampaignResult = {
  readonly protocol: Protocol
  readonly seed: number
  readonly cases: number
  readonly clients: number
  readonly errors: number
  readonly hangs: number
  readonly leaks: number
  readonly uncoded: number
  readonly crashes: number
  /** The first few failures, with the case index for reproduction (`sampleCases(protocol, seed, …)`). */
  readonly failures: ReadonlyArray<{ index: number; failure: string; detail: string }>
}

/** Cases are generated in batches of this size, each from `seed + batch` (deterministic, low memory). */
export const BATCH = 500

/**
 * Runs `count` cases of `protocol` from `seed`. Does I/O (loopback servers). Never throws for what a
 * case does; `onProgress` is called after every batch.
 */
export async function runCampaign(
  protocol: Protocol,
  seed: number,
  count: number,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<CampaignResult> {
  const tally = { clients: 0, errors: 0, hangs: 0, leaks: 0, uncoded: 0, crashes: 0 }
  const failures: Array<{ index: number; failure: string; detail: string }> = []
  const note = (index: number, failure: string, detail: string): void => {
    if (failures.length < 20) failures.push({ index, failure, detail })
  }
  const onCrash = (e: unknown): void => {
    tally.crashes++
    note(-1, 'crash', String((e as Error)?.stack ?? e).slice(0, 400))
  }
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  try {
    for (let start = 0; start < count; start += BATCH) {
      const batch = sampleCases(protocol, seed + start / BATCH, Math.min(BATCH, count - start))
      let next = 0
      const lane = async (): Promise<void> => {
        for (let i = next++; i < batch.length; i = next++) {
          const verdict = await runCase(batch[i] as FuzzCase)
          record(verdict, start + i)
        }
      }
      const record = (v: Verdict, index: number): void => {
        if (v.ok) {
          if (v.outcome === 'client') tally.clients++
          else tally.errors++
          return
        }
        if (v.failure === 'hang') tally.hangs++
        else if (v.failure === 'leak') tally.leaks++
        else tally.uncoded++
        note(index, v.failure, v.detail)
      }
      await Promise.all(Array.from({ length: concurrency }, lane))
      onProgress?.(start + batch.length)
    }
    // A crash from a socket reset lands a moment after its case settled.
    await new Promise((r) => setTimeout(r, 200))
  } finally {
    process.off('uncaughtException', onCrash)
    process.off('unhandledRejection', onCrash)
  }
  return { protocol, seed, cases: count, ...tally, failures }
}
