// Generated hostile server streams for the guard fuzzer (issue #13 item 7). Each protocol's script is a
// plausible session skeleton (greeting, capabilities, STARTTLS phase, handshake, post-TLS capabilities,
// login, after login) in which every server turn is drawn from well-formed replies, attacks (injected
// or reordered replies, markup, escapes, plaintext where TLS belongs) and failures (silence, drip,
// close, reset, junk). The hostile server plays it byte for byte; see hostile-server.ts.
import fc from 'fast-check'
import type { Action, Script } from './hostile-server.js'

export type Protocol = 'smtp' | 'pop3' | 'imap'
export type Mode = 'starttls' | 'implicit-tls'

const read: Action = { do: 'read' }
const send = (bytes: string): Action => ({ do: 'send', bytes })
/** A fixed list of actions (typed as a mutable list, so every turn has one type). */
const acts = (...list: Action[]): fc.Arbitrary<Action[]> => fc.constant(list)

/** Bytes nobody should trust: printable noise, CRLFs, controls, markup and escapes. */
const junk: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\r\n',
        '\n',
        '\r',
        ' ',
        '<img/src=x/onerror=alert(1)>',
        '\u001b[31m',
        '\u001b]0;x\u0007',
        '\u202e',
        '\u0000',
      ),
      fc.string({ maxLength: 24 }),
      fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('latin1')),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''))

/** How a server turn may fail instead of answering. `undefined` means: answer normally. */
const failure: fc.Arbitrary<Action[] | undefined> = fc.oneof(
  { weight: 40, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: acts({ do: 'sleep', ms: 60_000 }) }, // silent
  { weight: 1, arbitrary: acts({ do: 'close' }) },
  { weight: 1, arbitrary: acts({ do: 'reset' }) },
  { weight: 1, arbitrary: junk.map((j): Action[] => [send(j), { do: 'close' }]) },
)

/** `arb` in about one turn of ten, else undefined. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })
}

/** One server turn: `good` (or a variant), maybe dripped, maybe followed by injected bytes, or a failure. */
function turn(good: fc.Arbitrary<string>, inject: fc.Arbitrary<string>): fc.Arbitrary<Action[]> {
  return fc
    .record({
      reply: good,
      fail: failure,
      drip: rarely(
        fc.record({ size: fc.integer({ min: 1, max: 8 }), everyMs: fc.integer({ min: 5, max: 120 }) }),
      ),
      injected: rarely(inject),
    })
    .map(({ reply, fail, drip, injected }) => {
      if (fail !== undefined) return fail
      const bytes = reply + (injected ?? '')
      return [drip === undefined ? send(bytes) : ({ do: 'drip', bytes, ...drip } as Action)]
    })
}

/** The handshake turn: a real TLS handshake, plaintext where TLS belongs, or a failure. */
const handshake: fc.Arbitrary<Action[]> = fc.oneof(
  { weight: 24, arbitrary: acts({ do: 'tls' }) },
  { weight: 1, arbitrary: junk.map((j): Action[] => [{ do: 'plaintextHello', bytes: j }]) },
  { weight: 1, arbitrary: acts({ do: 'close' }) },
  { weight: 1, arbitrary: acts({ do: 'reset' }) },
  { weight: 1, arbitrary: acts({ do: 'sleep', ms: 60_000 }) },
)

/** After login: stay, close, or reset the logged-in session (no app error listener is attached). */
const afterLogin: fc.Arbitrary<Action[]> = fc.oneof(
  fc.constant([] as Action[]),
  fc.integer({ min: 0, max: 40 }).map((ms) => [{ do: 'sleep', ms } as Action, { do: 'reset' } as Action]),
  fc.integer({ min: 0, max: 40 }).map((ms) => [{ do: 'sleep', ms } as Action, { do: 'close' } as Action]),
)

/** The first option is what a well-behaved server sends; it is drawn most often so that whole sessions
 * still reach login, and the guards' happy path is fuzzed as much as their refusals. */
function pick(good: string, ...others: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(good) },
    { weight: 3, arbitrary: fc.constantFrom(good, ...others) },
    { weight: 1, arbitrary: junk },
  )
}

function session(parts: fc.Arbitrary<Action[]>[]): fc.Arbitrary<Script> {
  return fc.tuple(...parts).map((chunks) => chunks.flat())
}

// Every list below mixes what real servers send with what attackers send; fast-check does the rest.
const SMTP = {
  greeting: pick(
    '220 mx ESMTP\r\n',
    '220-mx\r\n220 ESMTP\r\n',
    '554 go away\r\n',
    '220 <b>hi</b> \u001b[2J\r\n',
  ),
  ehloPlain: pick(
    '250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n',
    '250-mx\r\n250 AUTH PLAIN\r\n',
    '250-mx\r\n250-<img/src=x/onerror=alert(1)>\r\n250 STARTTLS\r\n',
    '500 no EHLO\r\n',
  ),
  starttls: pick('220 go ahead\r\n', '454 not now\r\n', '220 go\r\n250 AUTH PLAIN\r\n'),
  greetingTls: pick('220 mx ESMTP\r\n', '421 bye\r\n'),
  ehloTls: pick(
    '250-mx\r\n250 AUTH PLAIN LOGIN\r\n',
    '250-mx\r\n250-DEEP tls12\r\n250 AUTH PLAIN\r\n',
    '250 mx\r\n',
  ),
  auth: pick('235 2.7.0 ok\r\n', '535 5.7.8 no\r\n', '334 \r\n'),
  inject: pick('250 AUTH PLAIN\r\n', '220 injected\r\n', '235 ok\r\n'),
}

function smtpScript(mode: Mode): fc.Arbitrary<Script> {
  const t = (good: fc.Arbitrary<string>) => turn(good, SMTP.inject)
  const readThen = (good: fc.Arbitrary<string>) => t(good).map((a) => [read, ...a])
  const postTls = [
    ...(mode === 'implicit-tls' ? [t(SMTP.greetingTls)] : []),
    readThen(SMTP.ehloTls),
    readThen(SMTP.auth),
    afterLogin,
  ]
  if (mode === 'implicit-tls') return session([handshake, ...postTls])
  return session([t(SMTP.greeting), readThen(SMTP.ehloPlain), readThen(SMTP.starttls), handshake, ...postTls])
}

const POP3 = {
  greeting: pick('+OK POP3 ready\r\n', '-ERR busy\r\n', '+OK <b>hi</b> \u001b[2J\r\n'),
  capaPlain: pick(
    '+OK\r\nUSER\r\nSTLS\r\n.\r\n',
    '+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n',
    '-ERR no CAPA\r\n',
    '+OK\r\nSTLS\r\nX-<i>\r\n.\r\n',
  ),
  stls: pick('+OK begin TLS\r\n', '-ERR not now\r\n'),
  capaTls: pick('+OK\r\nUSER\r\n.\r\n', '+OK\r\nSASL PLAIN\r\nDEEP tls12\r\n.\r\n', '-ERR\r\n'),
  user: pick('+OK\r\n', '-ERR no\r\n'),
  pass: pick('+OK logged in\r\n', '-ERR [AUTH] no\r\n'),
  inject: pick('+OK\r\n', '+OK\r\nSTLS\r\n.\r\n', '-ERR\r\n'),
}

function pop3Script(mode: Mode): fc.Arbitrary<Script> {
  const t = (good: fc.Arbitrary<string>) => turn(good, POP3.inject)
  const readThen = (good: fc.Arbitrary<string>) => t(good).map((a) => [read, ...a])
  const postTls = [
    ...(mode === 'implicit-tls' ? [t(POP3.greeting)] : []),
    readThen(POP3.capaTls),
    readThen(POP3.user),
    readThen(POP3.pass),
    afterLogin,
  ]
  if (mode === 'implicit-tls') return session([handshake, ...postTls])
  return session([t(POP3.greeting), readThen(POP3.capaPlain), readThen(POP3.stls), handshake, ...postTls])
}

// `$TAG` becomes the tag of the command the server just read (hostile-server.ts).
const IMAP = {
  greeting: pick(
    '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n',
    '* OK ready\r\n',
    '* PREAUTH [CAPABILITY IMAP4rev1] welcome\r\n',
    '* OK [ALERT] <img/src=x/onerror=alert(1)> \u001b[2J\r\n',
  ),
  capabilityPlain: pick(
    '* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n$TAG OK done\r\n',
    '* CAPABILITY IMAP4rev1 LOGINDISABLED\r\n$TAG OK done\r\n',
    '$TAG BAD no\r\n',
  ),
  starttls: pick('$TAG OK begin TLS\r\n', '$TAG NO not now\r\n', '$TAG OK begin\r\n* CAPABILITY IDLE\r\n'),
  greetingTls: pick('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN ID] ready\r\n', '* BYE bye\r\n'),
  command: pick(
    '* CAPABILITY IMAP4rev1 AUTH=PLAIN ID\r\n$TAG OK done\r\n',
    '* ID NIL\r\n$TAG OK done\r\n',
    '* OK [ALERT] maintenance tonight\r\n$TAG OK done\r\n',
    '$TAG OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n',
    '$TAG NO [AUTHENTICATIONFAILED] no\r\n',
    '+ \r\n',
  ),
  inject: pick('* CAPABILITY IDLE\r\n', '2 OK injected\r\n', '* OK [ALERT] injected\r\n'),
}

function imapScript(mode: Mode): fc.Arbitrary<Script> {
  const t = (good: fc.Arbitrary<string>) => turn(good, IMAP.inject)
  const readThen = (good: fc.Arbitrary<string>) => t(good).map((a) => [read, ...a])
  // imapflow's post-TLS sequence varies (CAPABILITY, ID, LOGIN/AUTHENTICATE, ENABLE…): answer up to six.
  const postTls = [
    ...(mode === 'implicit-tls' ? [t(IMAP.greetingTls)] : []),
    ...Array.from({ length: 6 }, () => readThen(IMAP.command)),
    afterLogin,
  ]
  if (mode === 'implicit-tls') return session([handshake, ...postTls])
  return session([
    t(IMAP.greeting),
    readThen(IMAP.capabilityPlain),
    readThen(IMAP.starttls),
    handshake,
    ...postTls,
  ])
}

/** A hostile case: which protocol and committed mode, and the script the server plays. */
export type FuzzCase = { readonly protocol: Protocol; readonly mode: Mode; readonly script: Script }

/** All cases of one protocol, both modes. */
export function caseArb(protocol: Protocol): fc.Arbitrary<FuzzCase> {
  const build = protocol === 'smtp' ? smtpScript : protocol === 'pop3' ? pop3Script : imapScript
  return fc
    .constantFrom<Mode>('starttls', 'implicit-tls')
    .chain((mode) => build(mode).map((script) => ({ protocol, mode, script })))
}

/** `count` deterministic cases for `seed` (the same seed always gives the same cases). */
export function sampleCases(protocol: Protocol, seed: number, count: number): FuzzCase[] {
  return fc.sample(caseArb(protocol), { seed, numRuns: count })
}
