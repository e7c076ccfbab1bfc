// Public surface of the probe step. Explicit list (house style H2): anything not named is internal.
export {
  explainProbeFailure,
  isViolationCode,
  PROBE_ERROR_CODES,
  type ProbeErrorCode,
  type ProbeFailureCode,
} from './failure.js'
export { MAX_LINE_OCTETS } from './line-reader.js'
export { type ProbeOptions, ProbeOptionsSchema } from './options.js'
export { MAX_CANDIDATES, probe } from './probe.js'
export type { ProbeEvent, ProbeFailureInfo, ProbeResult, ProbeStatus } from './result.js'
export { PROBE_ACCOUNT, provisionalCommitment } from './session.js'
export { EHLO_NAME } from './smtp-dialog.js'
