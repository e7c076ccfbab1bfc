// The credential tests confirm() runs, one per service. RFC 8314 §5.1: the password is tried only over
// a session that meets the proposed commitment, so each test is a guarded client run against the
// staging store confirm() hands in (VerifyContext.store). Nothing here opens a socket itself, and no
// test falls back to anything: a refused session is a failed test and nothing gets pinned. Each test
// hands confirm()'s signal (VerifyContext.signal) to its guarded client, so the wizard's Cancel tears a
// hanging connect down at once (MUASTS_ERR_ABORTED) instead of waiting for the connect deadline.
import type { LookupFunction } from 'node:net'
import type { Service } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { connectPop3 } from '@mua-sts/pop3'
import type { ReportDispatcher } from '@mua-sts/reports'
import type { VerifyContext, VerifyFn } from '@mua-sts/setup'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import nodemailer from 'nodemailer'

/** Extra trust anchors and a dial-elsewhere lookup; certificates are always checked against the committed name. */
export type GuardTrust = { readonly ca?: string | string[]; readonly lookup?: LookupFunction }

export type VerifierOptions = {
  readonly user: string
  readonly pass: string
  readonly reports?: ReportDispatcher | undefined
  readonly trust?: GuardTrust | undefined
}

/** The options every guarded client takes, for the commitment confirm() is testing. */
function guardOptions(ctx: VerifyContext, o: VerifierOptions) {
  return {
    account: ctx.account,
    store: ctx.store,
    signal: ctx.signal,
    ...(o.reports === undefined ? {} : { reports: o.reports }),
    ...(o.trust === undefined ? {} : { trust: { ...o.trust } }),
  }
}

/**
 * One verify function per service: IMAP logs in through connectImap, POP3 through connectPop3, and
 * submission runs nodemailer's verify() (a real AUTH) over guardedSmtpTransport. Each rejects with the
 * guard's coded error (e.g. MUASTS_ERR_COMMITMENT_VIOLATED, MUASTS_ERR_AUTH_FAILED). Does no I/O until called.
 */
export function guardedVerifiers(o: VerifierOptions): Record<Service, VerifyFn> {
  const auth = { user: o.user, pass: o.pass }
  return {
    imap: async (ctx) => {
      const client = await connectImap({ ...guardOptions(ctx, o), auth })
      await client.logout()
    },
    pop3: async (ctx) => {
      const client = await connectPop3({ ...guardOptions(ctx, o), auth })
      await client.quit()
    },
    submission: async (ctx) => {
      const transporter = nodemailer.createTransport(guardedSmtpTransport({ ...guardOptions(ctx, o), auth }))
      try {
        await transporter.verify()
      } finally {
        transporter.close()
      }
    },
  }
}
