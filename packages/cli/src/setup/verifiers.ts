// The credential tests `mua-sts setup` hands to confirm(), one per service. RFC 8314 §5.1: the password
// is tried only over a session that meets the proposed commitment, so each test is a guarded client run
// against the staging store confirm() passes in (VerifyContext.store); nothing here opens a socket
// itself, and nothing falls back: a refused session is a failed test and nothing gets pinned.
import type { Service } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { connectPop3 } from '@mua-sts/pop3'
import type { TrustOptions, VerifyContext, VerifyFn } from '@mua-sts/setup'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import nodemailer from 'nodemailer'

export type VerifierOptions = {
  readonly user: string
  /** Held only in this closure for the run; never logged, printed or written. */
  readonly pass: string
  /** `--ca` and the `--resolver` lookup, the same TrustOptions the probes used. */
  readonly trust: TrustOptions
}

function guard(ctx: VerifyContext, o: VerifierOptions) {
  // confirm()'s signal: when it aborts, the guarded connect is torn down at once (#16).
  return { account: ctx.account, store: ctx.store, trust: o.trust, signal: ctx.signal }
}

/**
 * IMAP logs in through connectImap, POP3 through connectPop3, submission runs nodemailer's verify()
 * (a real AUTH) over guardedSmtpTransport. Each rejects with the guard's coded error (for example
 * MUASTS_ERR_AUTH_FAILED or MUASTS_ERR_COMMITMENT_VIOLATED). No I/O until called.
 */
export function guardedVerifiers(o: VerifierOptions): Record<Service, VerifyFn> {
  const auth = { user: o.user, pass: o.pass }
  return {
    imap: async (ctx) => {
      const client = await connectImap({ ...guard(ctx, o), auth })
      await client.logout()
    },
    pop3: async (ctx) => {
      const client = await connectPop3({ ...guard(ctx, o), auth })
      await client.quit()
    },
    submission: async (ctx) => {
      const transporter = nodemailer.createTransport(guardedSmtpTransport({ ...guard(ctx, o), auth }))
      try {
        await transporter.verify()
      } finally {
        transporter.close()
      }
    },
  }
}
