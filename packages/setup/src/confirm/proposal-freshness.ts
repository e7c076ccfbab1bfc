// A sealed proposal proves it is unaltered, not that it is current or unused (#12). What it describes
// (the probed servers, their keys, the discovery's trust labels) ages, and a copy kept by a renderer
// or an IPC log could otherwise be fed back into confirm() days later, or again after the user forgot
// the account, to pin that old picture. So confirm() refuses a proposal older than a maximum age
// (measured from its sealed `generatedAt`) and a seal that already pinned something in this process.
//
// The ledger of used seals is bounded: an entry is dropped once its proposal is past the longest
// allowed age (any confirm() refuses it as expired anyway). If it still fills up, the oldest entry is
// evicted and its `generatedAt` becomes a floor: every proposal generated at or before it counts as
// expired, because the ledger can no longer tell whether it was used. Bounded memory never turns into
// a reuse.
import { ErrorCode, SdkError } from '@mua-sts/core'

/** Default maximum age of a proposal at confirm(): one hour, ample for a wizard, short for a replay. */
export const DEFAULT_PROPOSAL_MAX_AGE_MS = 60 * 60 * 1000
/** Longest `maxAgeMs` confirm() accepts; also how long the ledger remembers a used seal. */
export const MAX_PROPOSAL_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** A proposal dated further ahead than this has no measurable age, so it counts as expired. */
export const PROPOSAL_CLOCK_SKEW_MS = 5 * 60 * 1000
/** Seals the process ledger holds at most (each pinned proposal, plus confirms in flight). */
export const SEAL_LEDGER_CAPACITY = 4096

const tampered = (message: string, details: Record<string, unknown>): SdkError =>
  new SdkError(ErrorCode.ProposalTampered, message, { details })

/**
 * Throws `MUASTS_ERR_PROPOSAL_TAMPERED` with `details.reason: 'expired'` when `generatedAt` is more
 * than `maxAgeMs` before `now`, or more than the clock skew after it. Pure.
 */
export function checkAge(generatedAt: string, now: Date, maxAgeMs: number): void {
  const age = now.getTime() - Date.parse(generatedAt)
  if (age <= maxAgeMs && age >= -PROPOSAL_CLOCK_SKEW_MS) return
  const why = age > maxAgeMs ? `older than ${Math.round(maxAgeMs / 1000)} s` : 'dated in the future'
  throw tampered(`The proposal is ${why} (made at ${generatedAt}); run propose() again.`, {
    reason: 'expired',
    generatedAt,
    now: now.toISOString(),
    maxAgeMs,
  })
}

type Entry = { generatedAtMs: number; state: 'in-flight' | 'used' }

/** One confirm()'s hold on a seal: `keep()` once the store may have been written, `release()` otherwise. */
export type SealClaim = { keep(): void; release(): void }

/** The single-use record of seals. Exported for tests; confirm() uses one ledger per process. */
export class SealLedger {
  readonly #entries = new Map<string, Entry>()
  #floorMs = Number.NEGATIVE_INFINITY

  constructor(
    readonly capacity = SEAL_LEDGER_CAPACITY,
    readonly rememberMs = MAX_PROPOSAL_MAX_AGE_MS,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  /**
   * Claims `seal` for one confirm(). Throws `MUASTS_ERR_PROPOSAL_TAMPERED` with `details.reason`
   * `'reused'` when the seal already pinned something or another confirm() holds it right now, and
   * `'expired'` when it is at or below the eviction floor.
   */
  claim(seal: string, generatedAt: string, now: Date): SealClaim {
    const generatedAtMs = Date.parse(generatedAt)
    this.#prune(now.getTime())
    const held = this.#entries.get(seal)
    if (held !== undefined) {
      const what = held.state === 'used' ? 'was already confirmed' : 'is being confirmed right now'
      throw tampered(`This proposal ${what}; a proposal pins once. Run propose() again.`, {
        reason: 'reused',
        generatedAt,
      })
    }
    if (generatedAtMs <= this.#floorMs) {
      throw tampered(
        'The proposal is too old for this process to tell whether it was used; run propose() again.',
        {
          reason: 'expired',
          generatedAt,
        },
      )
    }
    this.#makeRoom()
    const entry: Entry = { generatedAtMs, state: 'in-flight' }
    this.#entries.set(seal, entry)
    let settled = false
    return {
      keep: () => {
        settled = true
        entry.state = 'used'
      },
      release: () => {
        if (settled) return
        settled = true
        if (this.#entries.get(seal) === entry) this.#entries.delete(seal)
      },
    }
  }

  #prune(nowMs: number): void {
    for (const [seal, e] of this.#entries) {
      if (e.state === 'used' && e.generatedAtMs + this.rememberMs < nowMs) this.#entries.delete(seal)
    }
  }

  #makeRoom(): void {
    while (this.#entries.size >= this.capacity) {
      let oldest: [string, Entry] | undefined
      for (const kv of this.#entries)
        if (oldest === undefined || kv[1].generatedAtMs < oldest[1].generatedAtMs) oldest = kv
      if (oldest === undefined) return
      this.#entries.delete(oldest[0])
      this.#floorMs = Math.max(this.#floorMs, oldest[1].generatedAtMs)
    }
  }
}

/** The process's ledger: a seal pins once per process (the default seal key is per process too). */
export const processSealLedger = new SealLedger()
