/**
 * `@mua-sts/pop3`: POP3 sessions checked against the account's security commitment before a single
 * credential byte is sent, on a strict client that never speaks POP3 in cleartext beyond CAPA and STLS.
 *
 * ```ts
 * const client = await connectPop3({ account: 'acct_5c1e', store, reports, auth: { user, pass } })
 * const { count } = await client.stat()
 * for await (const chunk of await client.retr(1)) process.stdout.write(chunk)
 * await client.quit()
 * ```
 *
 * `connectPop3` rejects with `MUASTS_ERR_COMMITMENT_VIOLATED` (report attached and already dispatched)
 * when the connection falls below the commitment (a stall before TLS included: `stalled_before_tls`); with
 * `MUASTS_ERR_CONNECTION` / `MUASTS_ERR_TIMEOUT` and a connection-error report when the connection was
 * refused, reset or went silent before TLS; with a coded `Pop3Error` for failures after TLS and for
 * broken framing. `Pop3Client.connect` is the same client with a caller-supplied gate instead of the Guard.
 * Match on `err.code`.
 * @packageDocumentation
 */
export type { Pop3PreTlsAnomaly, Pop3PreTlsAnomalyCode } from './anomaly.js'
export { type Pop3Credentials, Pop3CredentialsSchema } from './auth.js'
export { Pop3Client } from './client.js'
export { connectPop3 } from './connect-pop3.js'
export { isPop3Error, Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
export type { Pop3Gate, Pop3GateContext } from './gate.js'
export type { GuardedPop3 } from './guarded-client.js'
export {
  type ConnectPop3Options,
  ConnectPop3OptionsSchema,
  SDK_OWNED_OPTIONS,
} from './guarded-options.js'
export type { Pop3ListEntry, Pop3Stat, Pop3UidEntry } from './listings.js'
export {
  type Pop3ConnectOptions,
  Pop3ConnectOptionsSchema,
  Pop3TlsOptionsSchema,
} from './options.js'
