// @mua-sts/smtp: nodemailer submission whose every connection meets the account's TLS commitment
// before AUTH (issue #5). Explicit export list (house style H2).

// The one `trust` shape of every guard, probe() and discover() (#16).
export { type TrustOptions, TrustOptionsSchema } from '@mua-sts/transport'
export type { GuardedSentMessageInfo } from './guarded-session.js'
export {
  DEFAULT_EHLO_NAME,
  type GuardedSmtpOptions,
  GuardedSmtpOptionsSchema,
  SDK_OWNED_OPTIONS,
  type SmtpAuth,
} from './options.js'
export { GuardedSmtpTransport, guardedSmtpTransport } from './transport.js'
