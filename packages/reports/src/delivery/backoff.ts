// Retry timing for delivery: exponential backoff with "equal jitter" (half fixed, half random), so a fleet
// of clients that all lost the collector at once does not come back in lock-step, and no retry is instant.

/** How often and how patiently one batch is retried within a flush(). */
export type RetryPolicy = {
  /** Attempts per batch within one flush() before it gives up (the batch stays in the outbox). */
  readonly attempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/** 5 attempts, waits of about 1 s, 2 s, 4 s, 8 s (jittered), never more than 5 minutes. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 }

/**
 * Delay before retry number `failures` (1 = after the first failure): uniformly in [d/2, d] with
 * d = min(maxDelayMs, baseDelayMs · 2^(failures-1)). `random` returns [0, 1). Pure.
 */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1))
  const raw = random()
  const r = Number.isNaN(raw) ? 0 : Math.min(Math.max(raw, 0), 1)
  return Math.round(ceiling / 2 + r * (ceiling / 2))
}
