// What probing one candidate produced, and the progress events around it.
import type { Observation, Violation } from '@mua-sts/core'
import type { Candidate } from '../discover/candidate.js'
import type { ProbeFailureCode } from './failure.js'

/**
 * - `compliant`: TLS up and the candidate's own provisional commitment met (proposable).
 * - `refused`: a connection was made but the commitment was violated (stripping, bad certificate…).
 * - `failed`: no verdict (unreachable, timeout, protocol error).
 * - `cancelled`: stopped early because a better result for the service was in, or aborted.
 */
export type ProbeStatus = 'compliant' | 'refused' | 'failed' | 'cancelled'

export type ProbeFailureInfo = { readonly code: ProbeFailureCode; readonly message: string }

export type ProbeResult = {
  readonly candidate: Candidate
  readonly status: ProbeStatus
  /** What the connection achieved; absent when no TCP connection (or nothing to observe) was made. */
  readonly observation?: Observation
  /** Violations of the provisional commitment (non-empty only for `refused`). */
  readonly violations: readonly Violation[]
  /** Set for every status but `compliant`: the first violation code, or a probe error code. */
  readonly failure?: ProbeFailureInfo
}

/**
 * Progress of one candidate, in order: `started`, then at most one `tls-ok`, then `failed` unless the
 * result is compliant, then exactly one `done`. A candidate cancelled before it started gets only
 * `failed` and `done`. `index` is the candidate's position in the input list.
 */
export type ProbeEvent =
  | { readonly type: 'started'; readonly index: number; readonly candidate: Candidate }
  | {
      readonly type: 'tls-ok'
      readonly index: number
      readonly candidate: Candidate
      readonly tlsVersion: string
    }
  | {
      readonly type: 'failed'
      readonly index: number
      readonly candidate: Candidate
      readonly code: ProbeFailureCode
      readonly message: string
    }
  | {
      readonly type: 'done'
      readonly index: number
      readonly candidate: Candidate
      readonly result: ProbeResult
    }
