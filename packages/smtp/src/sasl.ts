// The SASL exchange of SMTP AUTH (RFC 4954), run by the guard itself so that the tripwire and the
// first credential byte sit in the same function. Only mechanisms that make sense over a verified TLS
// session: PLAIN (RFC 4616) and LOGIN for passwords, XOAUTH2 for OAuth 2.0 bearer tokens. CRAM-MD5
// adds nothing over TLS and needs the server to keep the password in clear, so it is never chosen.
import { ErrorCode, SdkError } from '@mua-sts/core'
import type { SmtpAuth } from './options.js'

/** One command and the server's reply to it (nodemailer's customAuth `sendCommand`). */
export type CommandReply = { readonly status: number; readonly text: string }
export type SendCommand = (line: string) => Promise<CommandReply>

export type Mechanism = 'PLAIN' | 'LOGIN' | 'XOAUTH2'

/** Picks the mechanism for these credentials from what the post-TLS EHLO offered. Pure. */
export function chooseMechanism(offered: readonly string[], auth: SmtpAuth): Mechanism | undefined {
  if ('accessToken' in auth) return offered.includes('XOAUTH2') ? 'XOAUTH2' : undefined
  if (offered.includes('PLAIN')) return 'PLAIN'
  if (offered.includes('LOGIN')) return 'LOGIN'
  return undefined
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

// Only the reply code and an RFC 3463 enhanced status code reach the error message: servers echo
// user names and even decoded AUTH data in their reply text, and errors end up in app logs.
function serverText(r: CommandReply): string {
  const enhanced = /^\d\.\d{1,3}\.\d{1,3}\b/.exec(r.text)?.[0]
  return enhanced === undefined ? String(r.status) : `${r.status} ${enhanced}`
}

function refused(r: CommandReply): SdkError {
  return new SdkError(
    ErrorCode.AuthFailed,
    `The SMTP server rejected the login (${serverText(r)}). Check the username and password (or the access token).`,
    { details: { status: r.status } },
  )
}

function unexpected(r: CommandReply, step: string): SdkError {
  return new SdkError(
    ErrorCode.Protocol,
    `The SMTP server sent an unexpected reply to ${step} (${serverText(r)}); the login did not complete. Try again later; if it keeps happening, check the server settings.`,
    {
      details: { status: r.status },
    },
  )
}

/** RFC 4954 §4: 235 ends a successful exchange; any other final reply is a refusal. */
function finish(r: CommandReply): void {
  if (r.status === 235) return
  if (r.status === 334) throw unexpected(r, 'AUTH')
  throw refused(r)
}

/** Sends exactly one AUTH exchange. Does I/O through `send`. @throws SdkError AUTH_FAILED / PROTOCOL. */
export async function authenticate(send: SendCommand, mechanism: Mechanism, auth: SmtpAuth): Promise<void> {
  if (mechanism === 'XOAUTH2') {
    if (!('accessToken' in auth)) throw new SdkError(ErrorCode.Internal, 'XOAUTH2 needs an access token')
    const ir = b64(`user=${auth.user}\x01auth=Bearer ${auth.accessToken}\x01\x01`)
    const r = await send(`AUTH XOAUTH2 ${ir}`)
    // On failure the server sends a 334 with a JSON error; the client answers with an empty line and
    // gets the final 5xx (Google's XOAUTH2 protocol description).
    if (r.status === 334) throw refused(await send(''))
    return finish(r)
  }
  if ('accessToken' in auth) throw new SdkError(ErrorCode.Internal, `${mechanism} needs a password`)
  if (mechanism === 'PLAIN') {
    // RFC 4616 §2: [authzid] NUL authcid NUL passwd, sent as an initial response (RFC 4954 §4).
    return finish(await send(`AUTH PLAIN ${b64(`\0${auth.user}\0${auth.pass}`)}`))
  }
  const r1 = await send('AUTH LOGIN')
  if (r1.status !== 334) throw r1.status >= 400 ? refused(r1) : unexpected(r1, 'AUTH LOGIN')
  const r2 = await send(b64(auth.user))
  if (r2.status !== 334) throw r2.status >= 400 ? refused(r2) : unexpected(r2, 'AUTH LOGIN')
  return finish(await send(b64(auth.pass)))
}
