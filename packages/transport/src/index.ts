// @mua-sts/transport: the shared TLS gate used by the IMAP, SMTP, POP3 guards and the setup prober.

// Re-exported for adapters that import their option helper next to GuardOptionsSchema.
export { parseOptions } from '@mua-sts/core'
export { cipherBits } from './cipher-bits.js'
export { type AbortPhase, abortedError, throwIfAborted, whenAborted } from './connect-abort.js'
export { type DaneState, daneReady } from './dane-gate.js'
export {
  ConnectDeadline,
  connectDeadline,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type DeadlineOptions,
  type Destroyable,
  timeoutError,
} from './deadline.js'
export { EvidenceLog, evidenceOf, PRE_TLS_LIMITS } from './evidence.js'
export { type CheckPassed, type CheckResult, type DeferredRefusal, Guard } from './guard.js'
export {
  type GuardOptions,
  GuardOptionsSchema,
  parseAdapterOptions,
} from './guard-options.js'
export { observeHandshakeFailure, observePreTls, observeSecureSocket, type SessionFacts } from './observe.js'
export { refuseOwnedOption, refuseOwnedOptions } from './owned-options.js'
export { emitSecurityRecord, socketFacts } from './security-record.js'
export { spkiDer, spkiSha256 } from './spki.js'
export {
  createTlsParams,
  type DaneConfig,
  type IdentityRecord,
  type TlsParams,
} from './tls-params.js'
export { assertPassed, hasPassed, markPassed } from './tripwire.js'
export {
  caProblem,
  LookupSchema,
  TrustAnchorsSchema,
  type TrustOptions,
  TrustOptionsSchema,
} from './trust-options.js'
export { SDK_VERSION } from './version.js'
