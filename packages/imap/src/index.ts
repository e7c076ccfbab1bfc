// @mua-sts/imap: imapflow sessions checked against the account's commitment before any credential.

// The one `trust` shape of every guard, probe() and discover() (#16).
export { type TrustOptions, TrustOptionsSchema } from '@mua-sts/transport'
export type { ImapAlert } from './client-events.js'
export { connectImap } from './connect.js'
export type { GuardedImap } from './guarded-client.js'
export {
  type ImapConnectOptions,
  ImapConnectOptionsSchema,
  SDK_OWNED_OPTIONS,
} from './options.js'
