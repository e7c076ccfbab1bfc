// Authentication: USER/PASS (RFC 1939 §7), AUTH PLAIN (RFC 5034 + RFC 4616), AUTH XOAUTH2.
// No APOP: it is MD5 over a server-chosen timestamp and invites offline dictionary attacks.
// Every write that carries or announces a credential goes through `tripwire()` first.
import { z } from 'zod'
import { saslMechanismsOf } from './capa.js'
import type { Session } from './connect.js'
import { Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
import { commandFailed, readStatus } from './exchange.js'
import { assertGatePassed } from './gate.js'
import { AUTH_INITIAL_RESPONSE_LINE_MAX, COMMAND_LINE_MAX, STATUS_LINE_MAX } from './limits.js'
import { parseOptions } from './options.js'
import { parseSaslLine, type SaslLine } from './response.js'

// CR/LF would let a credential inject a second command line; NUL is the RFC 4616 field separator;
// user names additionally exclude all controls (XOAUTH2 uses \x01 as its separator).
const user = z
  .string()
  .min(1)
  .max(255)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters')
const secret = z
  .string()
  .min(1)
  .max(1024)
  .refine((v) => !/[\u0000\r\n]/.test(v), 'must not contain NUL, CR or LF')

/** Schema of {@link Pop3Credentials}. Its issue messages never contain the credential values. */
export const Pop3CredentialsSchema = z.union([
  z.strictObject({ user, pass: secret, mechanism: z.enum(['PLAIN', 'USER']).optional() }),
  // OAuth 2.0 bearer tokens are printable ASCII (RFC 6750 §2.1 b64token).
  z.strictObject({
    user,
    accessToken: z
      .string()
      .min(1)
      .max(16_384)
      .regex(/^[\x21-\x7e]+$/, 'expected a bearer token'),
  }),
])

/**
 * Password login (`mechanism` defaults to `PLAIN` when the post-TLS CAPA lists `SASL ... PLAIN`, else
 * `USER`), or OAuth 2.0 access token login via `AUTH XOAUTH2`.
 */
export type Pop3Credentials = z.input<typeof Pop3CredentialsSchema>

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
  if (s.removal?.skipTripwire !== true) assertGatePassed(s.socket, 'POP3 login')
}

/**
 * Authenticates the session (does I/O). Checks the tripwire before every credential-bearing line.
 * @throws Pop3Error INVALID_OPTION (bad credentials shape; no I/O happened), GUARD_BYPASSED (nothing
 *   sent), COMMAND_FAILED (server said -ERR; text sanitized, credentials redacted), PROTOCOL, TIMEOUT, CLOSED.
 */
export async function authenticate(s: Session, input: Pop3Credentials): Promise<void> {
  const creds = parseOptions(Pop3CredentialsSchema, input, 'Pop3Client.login credentials')
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
  for (const [step, line] of lines) {
    tripwire(s)
    s.wire.send(line)
    const status = await readStatus(s.wire, step, s.options.timeouts.commandMs)
    s.wire.endResponse()
    if (!status.ok) throw commandFailed(step, status, secrets)
  }
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
      throw commandFailed(step, ready.status, secrets)
    }
    tripwire(s)
    s.wire.send(response)
  }
  const outcome = await readSasl(s, step)
  if (outcome.kind === 'status') {
    if (!outcome.status.ok) throw commandFailed(step, outcome.status, secrets)
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
  throw commandFailed(step, end.status, secrets)
}
