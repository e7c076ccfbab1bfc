// Shared by the whole-verdict tests (evaluate.mutation.*.test.ts): a session without TLS, and the
// violations a verdict lists.
import type { Commitment } from '../model/commitment.js'
import type { goodObservation } from '../testing/fixtures.js'
import { evaluate } from './evaluate.js'

// A session whose TLS never came up (exactOptionalPropertyTypes: an explicit undefined needs the casts
// where it is used).
export const noTls: Record<string, undefined> = { tls: undefined, certificate: undefined }

export function violations(c: Commitment, o: ReturnType<typeof goodObservation>) {
  const v = evaluate(c, o)
  return v.outcome === 'ok' ? [] : v.violations
}
