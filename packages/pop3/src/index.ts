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
 * refused, reset or went silent before TLS; with `MUASTS_ERR_AUTH_FAILED` for rejected credentials; with
 * `MUASTS_ERR_ABORTED` when `options.signal` fired; with a coded `Pop3Error` for failures after TLS and
 * for broken framing. `Pop3Client.connect` is the same client with a caller-supplied gate instead of the Guard.
 * Match on `err.code`.
 * @packageDocumentation
 */

// The one `trust` shape of every guard, probe() and discover() (#16).
export { type TrustOptions, TrustOptionsSchema } from '@mua-sts/transport'
export type { GuardedPop3 } from './client.js'
export { Pop3Client } from './client.js'
export type { Pop3ListEntry, Pop3Stat, Pop3UidEntry } from './commands.js'
export {
  isPop3Error,
  Pop3Error,
  Pop3ErrorCode,
  type Pop3PreTlsAnomaly,
  type Pop3PreTlsAnomalyCode,
  type Pop3Step,
} from './errors.js'
export { connectPop3 } from './guard.js'
export {
  type ConnectPop3Options,
  ConnectPop3OptionsSchema,
  type Pop3ConnectOptions,
  Pop3ConnectOptionsSchema,
  type Pop3Credentials,
  Pop3CredentialsSchema,
  type Pop3Gate,
  type Pop3GateContext,
  Pop3TlsOptionsSchema,
  SDK_OWNED_OPTIONS,
} from './options.js'
