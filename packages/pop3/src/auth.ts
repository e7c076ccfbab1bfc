// Authentication: USER/PASS (RFC 1939 §7; in one write when the post-TLS CAPA lists PIPELINING,
// RFC 2449 §6.6), AUTH PLAIN (RFC 5034 + RFC 4616), AUTH XOAUTH2.
// No APOP: it is MD5 over a server-chosen timestamp and invites offline dictionary attacks.
// Every write that carries or announces a credential goes through `tripwire()` first.
// A `-ERR` after a credential was sent is MUASTS_ERR_AUTH_FAILED, the same code as IMAP and SMTP.
import { assertGatePassed, type Session } from './connect.js'
import { commandFailed, loginRefused, Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
import {
  AUTH_INITIAL_RESPONSE_LINE_MAX,
  COMMAND_LINE_MAX,
  hasCapability,
  parseSaslLine,
  type SaslLine,
  STATUS_LINE_MAX,
  saslMechanismsOf,
} from './framing.js'
import {
  type ParsedPop3Credentials,
  type Pop3Credentials,
  Pop3CredentialsSchema,
  parseOptions,
} from './options.js'
import { readStatus } from './wire.js'

/** RFC 4616 §2: [authzid] NUL authcid NUL passwd, UTF-8, then base64 for the wire (RFC 5034 §4). */
export function plainResponse(authcid: string, password: string): string {
  return Buffer.from(`\u0000${authcid}\u0000${password}`, 'utf8').toString('base64')
}

/** The XOAUTH2 initial client response used by Google and Microsoft: user=…^Aauth=Bearer …^A^A, base64. */
export function xoauth2Response(userName: string, accessToken: string): string {
  return Buffer.from(`user=${userName}\u0001auth=Bearer ${accessToken}\u0001\u0001`, 'utf8').toString(
    'base64',
  )
}

function tripwire(s: Session): void {
  assertGatePassed(s.socket, 'POP3 login')
}

/**
 * Authenticates the session (does I/O). Checks the tripwire before every credential-bearing line.
 * @throws Pop3Error INVALID_OPTION (bad credentials shape; no I/O happened), GUARD_BYPASSED (nothing
 *   sent), AUTH_FAILED (credentials rejected; text sanitized, credentials redacted), COMMAND_FAILED (a
 *   temporary refusal such as `[IN-USE]`, or a mechanism refused before any credential), PROTOCOL,
 *   TIMEOUT, CLOSED.
 */
export async function authenticate(s: Session, input: Pop3Credentials): Promise<void> {
  return authenticateParsed(s, parseOptions(Pop3CredentialsSchema, input, 'Pop3Client.login credentials'))
}

/**
 * {@link authenticate} for credentials that are already the output of `Pop3CredentialsSchema`:
 * connectPop3's `auth`, validated with its options before any I/O. That output is a copy zod made,
 * which the app never sees, so it cannot have changed since; parsing it again would only cost time.
 */
export async function authenticateParsed(s: Session, creds: ParsedPop3Credentials): Promise<void> {
  tripwire(s)
  if ('accessToken' in creds) {
    await sasl(s, 'XOAUTH2', xoauth2Response(creds.user, creds.accessToken), [creds.accessToken, creds.user])
    return
  }
  const mechanism = creds.mechanism ?? (saslMechanismsOf(s.capsAfterTls).includes('PLAIN') ? 'PLAIN' : 'USER')
  if (mechanism === 'PLAIN') {
    await sasl(s, 'PLAIN', plainResponse(creds.user, creds.pass), [creds.pass, creds.user])
    return
  }
  const secrets = [creds.pass, creds.user]
  const lines = [
    ['USER', `USER ${creds.user}`],
    ['PASS', `PASS ${creds.pass}`],
  ] as const
  // Checked before anything is sent, so an over-long password never leaves a half-done login behind.
  for (const [step, line] of lines) {
    if (Buffer.byteLength(line) + 2 > COMMAND_LINE_MAX) {
      throw new Pop3Error(
        Pop3ErrorCode.InvalidOption,
        `Pop3Client.login: ${step} line exceeds 255 octets (RFC 2449 §4)`,
      )
    }
  }
  if (hasCapability(s.capsAfterTls, 'PIPELINING')) {
    await userPassPipelined(s, [lines[0][1], lines[1][1]], secrets)
    return
  }
  for (const [step, line] of lines) {
    tripwire(s)
    s.wire.send(line)
    const status = await readStatus(s.wire, step, s.options.timeouts.commandMs)
    s.wire.endResponse()
    if (!status.ok) throw loginRefused(step, status, secrets)
  }
}

/**
 * USER and PASS in one write, for a server whose post-TLS CAPA (read over the checked connection)
 * lists PIPELINING: RFC 2449 §6.6 lets the client send without waiting for each reply. This saves one
 * round trip per login (issue #17). PASS then leaves before USER's reply, to the same checked server,
 * and still after the tripwire: authenticateParsed calls this in the same synchronous turn as its own
 * tripwire(), with no await in between. Both replies are always read, so a refused USER leaves the
 * session in step for another attempt, as the one-at-a-time path does.
 * @throws Pop3Error AUTH_FAILED or COMMAND_FAILED (the first refusal; USER's if both were refused),
 *   PROTOCOL (PASS accepted after USER was refused: the server is out of step), TIMEOUT, CLOSED.
 */
async function userPassPipelined(s: Session, lines: readonly [string, string], secrets: string[]) {
  s.wire.sendPipelined(lines)
  const user = await readStatus(s.wire, 'USER', s.options.timeouts.commandMs)
  s.wire.endResponse()
  const pass = await readStatus(s.wire, 'PASS', s.options.timeouts.commandMs)
  s.wire.endResponse()
  if (!user.ok) {
    if (pass.ok) {
      s.wire.destroy()
      throw protocol('PASS', 'accepted PASS after refusing USER')
    }
    throw loginRefused('USER', user, secrets)
  }
  if (!pass.ok) throw loginRefused('PASS', pass, secrets)
}

async function readSasl(s: Session, step: Pop3Step): Promise<SaslLine> {
  const line = await s.wire.readLine(STATUS_LINE_MAX, s.options.timeouts.commandMs, step)
  const parsed = s.wire.check(() => parseSaslLine(line))
  s.wire.endResponse()
  return parsed
}

function protocol(step: Pop3Step, what: string): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server ${what} during ${step}`, { step })
}

async function sasl(
  s: Session,
  mech: 'PLAIN' | 'XOAUTH2',
  response: string,
  secrets: string[],
): Promise<void> {
  const step = `AUTH ${mech}` as const
  const withInitial = `AUTH ${mech} ${response}`
  tripwire(s)
  if (Buffer.byteLength(withInitial) + 2 <= AUTH_INITIAL_RESPONSE_LINE_MAX) {
    s.wire.send(withInitial)
  } else {
    // RFC 5034 §4: too long for an initial response; announce the mechanism and wait for "+".
    s.wire.send(`AUTH ${mech}`)
    const ready = await readSasl(s, step)
    if (ready.kind === 'status') {
      if (ready.status.ok) throw protocol(step, 'accepted AUTH before any credential was sent')
      throw commandFailed(step, ready.status, secrets) // the mechanism was refused; no credential was sent
    }
    tripwire(s)
    s.wire.send(response)
  }
  const outcome = await readSasl(s, step)
  if (outcome.kind === 'status') {
    if (!outcome.status.ok) throw loginRefused(step, outcome.status, secrets)
    return
  }
  // A challenge after our only response is a failure report (XOAUTH2 sends base64 JSON). End the
  // exchange: XOAUTH2 expects an empty line; for PLAIN, "*" cancels (RFC 5034 §4). Either way -ERR follows.
  s.wire.send(mech === 'XOAUTH2' ? '' : '*')
  const end = await readSasl(s, step)
  if (end.kind === 'continue' || end.status.ok) {
    s.wire.destroy()
    throw protocol(step, 'did not end a failed AUTH exchange with -ERR')
  }
  throw loginRefused(step, end.status, secrets)
}
