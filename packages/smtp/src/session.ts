// One guarded submission session, in wire order (house style H17/H18):
//   TCP → [greeting, EHLO, STARTTLS: our own, cleartext] → TLS with the guard's options
//   → nodemailer: greeting (implicit TLS) / local greeting (STARTTLS), EHLO over TLS
//   → Observation → guard.check → CLIENT (if DEEP/MSTS) → tripwire → AUTH.
// Every refusal is decided by guard.check, which dispatches the report synchronously before we throw.
// One connect deadline covers all of it (issue #13); connect-blame.ts says what a failure was.
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { type Commitment, ErrorCode, evaluate, type InBand, type Observation, SdkError } from '@mua-sts/core'
import {
  type CheckResult,
  type ConnectDeadline,
  type DeferredRefusal,
  daneReady,
  type Guard,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
  throwIfAborted,
} from '@mua-sts/transport'
import { getLogger, type Logger } from 'nodemailer/lib/shared'
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import { clientCommand } from './client-command.js'
import { blame, type ConnectAttempt, isHangUp, startAttempt } from './connect-blame.js'
import {
  call,
  createConnection,
  fromNodemailer,
  GUARD_STEP,
  LOCAL_GREETING,
  lastReply,
} from './connection.js'
import type { DnsCache } from './dns-cache.js'
import { advertisementOf, authMechanisms, clientDialect, ehloCapabilities } from './ehlo.js'
import { GuardStep } from './guard-step.js'
import { GuardedSession } from './guarded-session.js'
import type { ParsedSmtpOptions } from './options.js'
import { parseReplyText } from './reply.js'
import { chooseMechanism } from './sasl.js'
import { negotiateStartTls } from './starttls.js'
import { handshake, openTcp } from './tls-connect.js'

type Facts = Pick<SessionFacts, 'service' | 'endpoint'>

/** What one transport shares between its sessions. */
export type SessionEnv = {
  readonly guard: Guard
  readonly options: ParsedSmtpOptions
  readonly log: Logger
  readonly dns: DnsCache
}

/** The guard refused: the report is already dispatched; this is the error to reject with. */
function refusal(result: CheckResult): SdkError {
  // A connection that failed to set up TLS can never pass; if it did, fail closed anyway.
  if (result.ok) return new SdkError(ErrorCode.Internal, 'the guard passed a connection without TLS')
  return result.error
}

/** Opens the committed endpoint and completes TLS, or throws the guard's refusal. Does I/O. */
async function establishTls(
  env: SessionEnv,
  c: Commitment,
  params: TlsParams,
  attempt: ConnectAttempt,
): Promise<{ socket: TLSSocket; capsBeforeTls: readonly string[] }> {
  const { guard, options: o } = env
  const { deadline, progress } = attempt
  const facts: Facts = { service: 'submission', endpoint: { host: c.endpoint.host, port: c.endpoint.port } }
  // An app-supplied trust.lookup decides where to dial (the name is still what TLS checks).
  const appLookup = params.options.lookup
  const dns = appLookup === undefined ? env.dns : { lookup: appLookup, forget: () => {} }
  const tcp: Socket = await openTcp(c.endpoint.host, c.endpoint.port, deadline, dns)
  progress.tcp = tcp
  if (c.endpoint.transport === 'starttls') {
    const pre = await negotiateStartTls(tcp, o.name, deadline, progress).catch((e: unknown) => {
      tcp.destroy()
      throw e
    })
    if (!pre.ok) {
      tcp.destroy()
      const obs = observePreTls({
        ...facts,
        transport: 'plaintext',
        capsBeforeTls: pre.capsBeforeTls,
        anomalies: [pre.anomaly],
        evidence: pre.evidence,
      })
      throw refusal(guard.check(c, obs, undefined))
    }
  }
  const hs = await handshake(tcp, params, deadline)
  if (!hs.ok) {
    // The deadline destroyed the socket: a stall, blamed by the caller, not a handshake verdict.
    if (deadline.expired) throw deadline.error
    // A socket-level hang-up or reset, not a TLS-layer error: an outage as far as anyone can tell (the
    // same rule as IMAP and POP3). Plaintext where the ServerHello belongs is a TLS-layer error.
    if (isHangUp(hs.error)) {
      throw new SdkError(
        ErrorCode.Connection,
        'The SMTP server closed the connection during the TLS handshake; no credentials were sent. Check the network and try again.',
        {
          cause: hs.error,
        },
      )
    }
    const obs = observeHandshakeFailure(hs.error, params, {
      ...facts,
      transport: c.endpoint.transport,
      capsBeforeTls: progress.capsBeforeTls,
    })
    throw refusal(guard.check(c, obs, undefined))
  }
  progress.tlsUp = true
  return { socket: hs.socket, capsBeforeTls: progress.capsBeforeTls }
}

/** Capabilities from nodemailer's post-TLS EHLO reply. @throws SdkError MUASTS_ERR_PROTOCOL */
function capabilitiesAfterTls(conn: SMTPConnection): string[] {
  const caps = ehloCapabilities(parseReplyText(lastReply(conn)))
  if (caps === undefined)
    throw new SdkError(
      ErrorCode.Protocol,
      'The SMTP server refused EHLO after TLS, so it cannot be used for submission; no credentials were sent.',
    )
  return caps
}

/**
 * Opens, checks and authenticates one session within one hard deadline (`timeoutMs`, from TCP connect
 * to the completed AUTH; issue #13). Does I/O.
 * @throws CommitmentViolationError (report attached and already dispatched), or SdkError
 *   MUASTS_ERR_NO_COMMITMENT / _STORE_* / _CONNECTION / _TIMEOUT (`details.phase`) / _PROTOCOL /
 *   _AUTH_FAILED / _ABORTED (the transport's `signal` fired; `details.phase`, no report). Connection
 *   errors and pre-TLS stalls carry their own report (see connect-blame.ts).
 */
export async function openSession(env: SessionEnv): Promise<GuardedSession> {
  const signal = env.options.guard.signal
  throwIfAborted(signal, 'SMTP')
  const c = await env.guard.commitment()
  // Throws MUASTS_ERR_ABORTED if the signal fired during the store read: still no socket.
  const attempt = startAttempt(env.options.timeoutMs, signal)
  try {
    return await attempt.deadline.race(runSession(env, c, attempt))
  } catch (error) {
    throw blame(env.guard, c, attempt, error)
  } finally {
    attempt.deadline.clear()
  }
}

async function runSession(env: SessionEnv, c: Commitment, attempt: ConnectAttempt): Promise<GuardedSession> {
  const { guard, options: o, log } = env
  const { deadline, progress } = attempt
  const params = guard.tlsParams(c)
  const { socket, capsBeforeTls } = await establishTls(env, c, params, attempt)
  // The TLSA answer, if this connection checks DANE and it is not in yet (#15). Nothing crosses the
  // session meanwhile; a closed socket ends the wait, and observeSecureSocket below then throws.
  deadline.enter('check')
  const dane = daneReady(params.dane, socket)
  if (dane !== undefined) await dane
  const transport = c.endpoint.transport
  const facts = {
    service: 'submission' as const,
    endpoint: { host: c.endpoint.host, port: c.endpoint.port },
    transport,
  }
  // Read the TLS facts while the socket is surely alive: if the server drops the session during the
  // greeting or EHLO, the guard still judges this handshake exactly once (and reports a violation).
  // A socket already closed here is a coded MUASTS_ERR_CONNECTION from observeSecureSocket.
  const handshakeOnly = observeSecureSocket(socket, params, { ...facts, capsBeforeTls })
  // Issue #14: a session that already breaks the commitment and has nothing it may report in band (an
  // SPKI pin alone — the suspected impostor is told nothing —, or a mode that forbids it) gets nothing
  // at all after the handshake: no EHLO, no CLIENT. Only a reportable failure goes on to read the
  // post-TLS EHLO, which says whether the server speaks DEEP/MSTS.
  if (
    evaluate(c, handshakeOnly).outcome === 'violated' &&
    guard.failureInBandFor(c, handshakeOnly) === null
  ) {
    socket.destroy()
    throw refusal(guard.check(c, handshakeOnly, socket))
  }
  progress.handshake = { observation: handshakeOnly, socket }
  if (transport === 'starttls') socket.unshift(LOCAL_GREETING)
  let conn: SMTPConnection | undefined
  const step = new GuardStep(
    () => conn?._socket,
    () => conn?.logger ?? log,
  )
  conn = createConnection(socket, {
    host: c.endpoint.host,
    port: c.endpoint.port,
    name: o.name,
    logger: o.logger,
    debug: o.debug,
    timeoutMs: o.timeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    guardStep: step.handler,
  })
  const live = conn

  let capsAfterTls: string[]
  let obs: Observation
  try {
    deadline.enter(transport === 'implicit-tls' ? 'greeting' : 'identify')
    const connected = call<void>(live, (done) => live.connect((err) => done(err)))
    // nodemailer attaches its reader in a setImmediate queued by connect(); queued after it, this
    // listener never takes a byte from nodemailer. The greeting's first byte starts the EHLO phase.
    if (transport === 'implicit-tls')
      setImmediate(() => socket.once('data', () => deadline.enter('identify')))
    await connected
    deadline.enter('identify')
    capsAfterTls = capabilitiesAfterTls(live)
    const advertisement = advertisementOf(capsAfterTls)
    // observeSecureSocket throws MUASTS_ERR_CONNECTION if the server closed right after its EHLO reply.
    obs = observeSecureSocket(socket, params, { ...facts, capsBeforeTls, capsAfterTls, advertisement })
  } catch (error) {
    live.close()
    // A deadline that fired is blamed by openSession (which judges the handshake itself).
    if (deadline.expired) throw deadline.error
    progress.handshake = undefined
    const r = guard.check(c, handshakeOnly, socket)
    throw r.ok ? fromNodemailer(error, 'greeting/EHLO') : r.error
  }

  deadline.enter('check')
  progress.handshake = undefined // judged below with the complete observation, exactly once
  // DEEP -04 §7.3: CLIENT exists only on servers whose post-TLS EHLO lists DEEP (or MSTS, -05).
  const result = guard.checkDeferred(c, obs, socket, { inBand: clientDialect(capsAfterTls) !== undefined })
  if (!result.ok) throw await refuseAfterEhlo(live, step, result, capsAfterTls, deadline)

  const mechanism = chooseMechanism(authMechanisms(capsAfterTls), o.auth)
  if (mechanism === undefined) {
    live.quit()
    throw new SdkError(
      ErrorCode.Protocol,
      'The SMTP server offers no sign-in method this SDK uses (PLAIN, LOGIN, or XOAUTH2 for a token) after TLS; no credentials were sent. Check the server settings.',
      {
        details: { offered: authMechanisms(capsAfterTls) },
      },
    )
  }
  // The in-band lines are only built for servers that speak DEEP/MSTS (most do not).
  const clientLine =
    clientDialect(capsAfterTls) === undefined ? undefined : clientCommand(capsAfterTls, guard.inBandFor(c))
  deadline.enter(clientLine === undefined ? 'login' : 'identify')
  step.arm({
    kind: 'authenticate',
    clientLine,
    socket,
    mechanism,
    auth: o.auth,
    onLogin: () => deadline.enter('login'),
  })
  const authenticated = login(live, step)
  // Learning needs only the passed observation. nodemailer writes the step's first command in a
  // setImmediate; queued after it, learning runs while the server is answering instead of before.
  // A connect the app cancelled meanwhile writes nothing, not even what it learned.
  const learned = new Promise<void>((resolve) =>
    setImmediate(() => resolve(deadline.aborted ? undefined : learn(guard, c, obs, log))),
  )
  await authenticated
  if (deadline.expired) throw deadline.error // the race already rejected; never hand out this session
  // The guard builds a record for every passed check (transport/guard.ts #passed); its absence is a bug.
  if (result.record === undefined) {
    live.close()
    throw new SdkError(ErrorCode.Internal, 'the guard passed a connection without a security record')
  }
  return new GuardedSession(live, socket, learned, result.record)
}

/**
 * The guard refused a session after its post-TLS EHLO. When the in-band mode allows a report and the
 * server speaks DEEP/MSTS, send the failure (CLIENT … latch-fail=…, or the -05 policy-fail form) and
 * QUIT; otherwise send nothing more. The report is dispatched once it is known whether CLIENT was
 * written (or when the deadline ends the exchange first), and claims in band only what was written.
 */
async function refuseAfterEhlo(
  conn: SMTPConnection,
  step: GuardStep,
  result: DeferredRefusal,
  capsAfterTls: readonly string[],
  deadline: ConnectDeadline,
): Promise<SdkError> {
  const line = result.inBand === null ? undefined : clientCommand(capsAfterTls, result.inBand)
  if (line === undefined) {
    conn.close()
    return result.complete(null)
  }
  let sent: InBand | null = null
  const settle = (): SdkError => result.complete(sent)
  deadline.onExpire(() => void settle())
  step.arm({
    kind: 'report',
    clientLine: line,
    onSent: () => {
      sent =
        clientDialect(capsAfterTls) === '05'
          ? { client05: line, idFields: {} }
          : { client04: line, idFields: {} }
    },
  })
  // The step sends CLIENT, reads the reply and then fails on purpose; nothing else is written.
  await runStep(conn).catch(() => {})
  conn.quit()
  return settle()
}

/** Runs the armed guard step through nodemailer's login() (see guard-step.ts). */
function runStep(conn: SMTPConnection): Promise<boolean | undefined> {
  return call<boolean | undefined>(conn, (done) => conn.login({ method: GUARD_STEP }, done))
}

/** Authenticates with the armed step. @throws what the step threw (the real error, not nodemailer's). */
async function login(conn: SMTPConnection, step: GuardStep): Promise<void> {
  try {
    await runStep(conn)
  } catch (error) {
    if (!conn.destroyed) conn.quit()
    throw step.failure() ?? fromNodemailer(error, 'AUTH')
  }
  // nodemailer sets `authenticated` only when the step resolved; verify() relies on this flag.
  if (!conn.authenticated) throw new SdkError(ErrorCode.Internal, 'AUTH completed without authentication')
}

/** Strengthens the commitment from this session's post-TLS advertisement (DEEP -04 §5.1, -05 §7). */
function learn(guard: Guard, c: Commitment, obs: Observation, log: Logger): Promise<void> {
  return guard.learn(c, obs).then(
    () => {},
    (e: unknown) =>
      log.warn({ tnx: 'mua-sts', err: e }, 'could not persist what the server advertised: %s', String(e)),
  )
}

/** The transport-level logger (nodemailer's bunyan-style adapter over the app's logger option). */
export function transportLogger(o: ParsedSmtpOptions): Logger {
  return getLogger({ logger: o.logger }, { component: 'mua-sts-smtp' })
}
