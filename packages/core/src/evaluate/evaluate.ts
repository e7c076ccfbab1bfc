// evaluate(): the decision every guard makes before a credential byte leaves the process.
// Pure, synchronous, allocation-light (it runs on every connection); never throws for a policy outcome.
import type { Commitment } from '../model/commitment.js'
import type { Observation } from '../model/observation.js'
import { certificateRule } from './rules/certificate.js'
import { cipherRule } from './rules/cipher.js'
import { daneRule } from './rules/dane.js'
import { spkiPinRule } from './rules/spki-pin.js'
import { tlsVersionRule } from './rules/tls-version.js'
import { transportRule } from './rules/transport.js'
import type { Verdict, Violation } from './violation.js'

type Rule = (c: Commitment, o: Observation, out: Violation[]) => void
const RULES: readonly Rule[] = [
  transportRule,
  tlsVersionRule,
  cipherRule,
  certificateRule,
  spkiPinRule,
  daneRule,
]
const OK: Verdict = Object.freeze({ outcome: 'ok' })

/** Checks a live connection's observation against the commitment. Pure; never throws for policy outcomes. */
export function evaluate(commitment: Commitment, observation: Observation): Verdict {
  const out: Violation[] = []
  for (const rule of RULES) rule(commitment, observation, out)
  return out.length === 0 ? OK : { outcome: 'violated', violations: out }
}
