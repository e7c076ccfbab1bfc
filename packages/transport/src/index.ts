// @mua-sts/transport: the shared TLS gate used by the IMAP, SMTP, POP3 guards and the setup prober.

// Re-exported for adapters that import their option helper next to GuardOptionsSchema.
export { parseOptions } from '@mua-sts/core'
export { cipherBits } from './cipher-bits.js'
export { type CheckResult, Guard } from './guard.js'
export { type GuardOptions, GuardOptionsSchema } from './guard-options.js'
export { observeHandshakeFailure, observePreTls, observeSecureSocket, type SessionFacts } from './observe.js'
export { refuseOwnedOption, refuseOwnedOptions } from './owned-options.js'
export { spkiDer, spkiSha256 } from './spki.js'
export { createTlsParams, type IdentityRecord, type TlsParams, type TrustOptions } from './tls-params.js'
export { assertPassed, hasPassed, markPassed } from './tripwire.js'
export { SDK_VERSION } from './version.js'
