// TEST ONLY. NOT EXPORTED FROM index.ts, and unreachable through the package `exports` map.
// Each flag removes exactly one guard, so a security test can show that its assertion fails when the
// guard is gone (house style: "each must fail if the guard is removed"). Production code paths pass
// `undefined`, and every use site reads as `removal?.flag === true`, so the default is always guarded.

export type GuardRemoval = {
  /** STLS missing or refused: carry on over cleartext (what node-pop3 effectively does). Skips the gate. */
  readonly cleartextFallback?: boolean
  /** Bytes after the STLS `+OK` are kept and parsed as the first post-TLS bytes (the injection bug). */
  readonly keepBytesAfterStls?: boolean
  /** A throwing gate is ignored and the socket is treated as having passed. */
  readonly ignoreGateRefusal?: boolean
  /** The gate is never called (and so the socket is never recorded as passed). */
  readonly skipGate?: boolean
  /** login() does not check the tripwire (the SDK-wide set of passed sockets). */
  readonly skipTripwire?: boolean
}
