// DEEP's SMTP CLIENT command (-04 §7.3; -05 §9.3 for the MSTS form): which line, if any, to send.
// Sent only after TLS, only to a server whose certificate passed (the in-band data comes from the guard,
// which returns it only for an authenticated server), and only when the post-TLS EHLO lists the
// extension: a server that does not would answer 500 and log our name for nothing. Pure.
import type { InBand } from '@mua-sts/core'
import { clientDialect } from './ehlo.js'

/** The exact CLIENT line (no CRLF) for this session, or undefined when none may be sent. */
export function clientCommand(
  capsAfterTls: readonly string[],
  inBand: Pick<InBand, 'client04' | 'client05'>,
): string | undefined {
  const dialect = clientDialect(capsAfterTls)
  if (dialect === '05') return inBand.client05
  if (dialect === '04') return inBand.client04
  return undefined
}

/** RFC 5321 §4.2: 2yz is a positive completion; DEEP servers answer 250, or 501 for bad syntax. */
export function clientAccepted(status: number): boolean {
  return status >= 200 && status < 300
}
