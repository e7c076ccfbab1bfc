// After setup: the app's mail traffic, every connection checked against the pinned commitment before
// a credential byte leaves the process. Credentials come from wherever the app keeps them (its own
// keychain entry, an OAuth token); the commitment store never holds any.
import type { CommitmentStore } from '@mua-sts/core'
import { connectImap, type GuardedImap } from '@mua-sts/imap'
import type { ReportDispatcher } from '@mua-sts/reports'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import nodemailer from 'nodemailer'

export type GuardedAccount = {
  /** The opaque account reference the wizard pinned under (never the address). */
  readonly account: string
  readonly user: string
  readonly store: CommitmentStore
  readonly reports: ReportDispatcher
}

/**
 * An authenticated imapflow client on the committed endpoint. Does I/O. Rejects with
 * MUASTS_ERR_COMMITMENT_VIOLATED (report already forwarded) instead of ever weakening the connection.
 */
export function openImap(a: GuardedAccount, pass: string): Promise<GuardedImap> {
  return connectImap({ account: a.account, store: a.store, reports: a.reports, auth: { user: a.user, pass } })
}

/** A nodemailer transporter whose every connection goes through the guard. No I/O until used. */
export function smtpTransporter(a: GuardedAccount, pass: string) {
  return nodemailer.createTransport(
    guardedSmtpTransport({
      account: a.account,
      store: a.store,
      reports: a.reports,
      auth: { user: a.user, pass },
    }),
  )
}

/** Counts the INBOX through the guard and logs out. Does I/O. */
export async function inboxCount(a: GuardedAccount, pass: string): Promise<number> {
  const client = await openImap(a, pass)
  try {
    const mailbox = await client.mailboxOpen('INBOX', { readOnly: true })
    return mailbox.exists
  } finally {
    await client.logout()
  }
}

/** Sends one message through the guard. Does I/O. */
export async function sendMessage(
  a: GuardedAccount,
  pass: string,
  message: { to: string; subject: string; text: string },
): Promise<string> {
  const transporter = smtpTransporter(a, pass)
  try {
    const info = await transporter.sendMail({ from: a.user, ...message })
    return info.messageId
  } finally {
    transporter.close()
  }
}
