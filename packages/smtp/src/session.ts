// One guarded submission session, in wire order (house style H17/H18):
//   TCP → [greeting, EHLO, STARTTLS: our own, cleartext] → TLS with the guard's options
//   → nodemailer: greeting (implicit TLS) / local greeting (STARTTLS), EHLO over TLS
//   → Observation → guard.check → CLIENT (if DEEP/MSTS) → tripwire → AUTH.
// Every refusal is decided by guard.check, which dispatches the report synchronously before we throw.
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { type Commitment, ErrorCode, type Observation, SdkError } from '@mua-sts/core'
import {
  type CheckResult,
  type Guard,
  observeHandshakeFailure,
  observePreTls,
  observeSecureSocket,
  type SessionFacts,
  type TlsParams,
} from '@mua-sts/transport'
import { getLogger, type Logger } from 'nodemailer/lib/shared'
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import { clientCommand } from './client-command.js'
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
): Promise<{ socket: TLSSocket; capsBeforeTls: readonly string[] }> {
  const { guard, options: o } = env
  const facts: Facts = { service: 'submission', endpoint: { host: c.endpoint.host, port: c.endpoint.port } }
  // An app-supplied trust.lookup decides where to dial (the name is still what TLS checks).
  const appLookup = params.options.lookup
  const dns = appLookup === undefined ? env.dns : { lookup: appLookup, forget: () => {} }
  const tcp: Socket = await openTcp(c.endpoint.host, c.endpoint.port, o.timeoutMs, dns)
  let capsBeforeTls: readonly string[] = []
  if (c.endpoint.transport === 'starttls') {
    const pre = await negotiateStartTls(tcp, o.name, o.timeoutMs).catch((e: unknown) => {
      tcp.destroy()
      throw e
    })
    capsBeforeTls = pre.capsBeforeTls
    if (!pre.ok) {
      tcp.destroy()
      const obs = observePreTls({ ...facts, transport: 'plaintext', capsBeforeTls, anomalies: [pre.anomaly] })
      throw refusal(guard.check(c, obs, undefined))
    }
  }
  const hs = await handshake(tcp, params, o.timeoutMs)
  if (!hs.ok) {
    const obs = observeHandshakeFailure(hs.error, params, {
      ...facts,
      transport: c.endpoint.transport,
      capsBeforeTls,
    })
    throw refusal(guard.check(c, obs, undefined))
  }
  return { socket: hs.socket, capsBeforeTls }
}

/** Capabilities from nodemailer's post-TLS EHLO reply. @throws SdkError MUASTS_ERR_PROTOCOL */
function capabilitiesAfterTls(conn: SMTPConnection): string[] {
  const caps = ehloCapabilities(parseReplyText(lastReply(conn)))
  if (caps === undefined) throw new SdkError(ErrorCode.Protocol, 'SMTP server refused EHLO after TLS')
  return caps
}

/**
 * Opens, checks and authenticates one session. Does I/O.
 * @throws CommitmentViolationError (report attached and already dispatched), or SdkError
 *   MUASTS_ERR_NO_COMMITMENT / _STORE_* / _CONNECTION / _TIMEOUT / _PROTOCOL / _AUTH_FAILED.
 */
export async function openSession(env: SessionEnv): Promise<GuardedSession> {
  const { guard, options: o, log } = env
  const c = await guard.commitment()
  const params = guard.tlsParams(c)
  const { socket, capsBeforeTls } = await establishTls(env, c, params)
  const transport = c.endpoint.transport
  const facts = {
    service: 'submission' as const,
    endpoint: { host: c.endpoint.host, port: c.endpoint.port },
    transport,
  }
  // Read the TLS facts while the socket is surely alive: if the server drops the session during the
  // greeting or EHLO, the guard still judges this handshake exactly once (and reports a violation).
  const handshakeOnly = observeSecureSocket(socket, params, { ...facts, capsBeforeTls })
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
    guardStep: step.handler,
  })
  const live = conn

  let capsAfterTls: string[]
  try {
    await call<void>(live, (done) => live.connect((err) => done(err)))
    capsAfterTls = capabilitiesAfterTls(live)
  } catch (error) {
    const r = guard.check(c, handshakeOnly, socket)
    live.close()
    throw r.ok ? fromNodemailer(error, 'greeting/EHLO') : r.error
  }

  const advertisement = advertisementOf(capsAfterTls)
  const obs = observeSecureSocket(socket, params, { ...facts, capsBeforeTls, capsAfterTls, advertisement })
  // DEEP -04 §7.3: CLIENT exists only on servers whose post-TLS EHLO lists DEEP (or MSTS, -05).
  const result = guard.check(c, obs, socket, { inBand: clientDialect(capsAfterTls) !== undefined })
  if (!result.ok) throw await refuseAfterEhlo(live, step, result, capsAfterTls)

  const mechanism = chooseMechanism(authMechanisms(capsAfterTls), o.auth)
  if (mechanism === undefined) {
    live.quit()
    throw new SdkError(ErrorCode.Protocol, 'SMTP server offers no usable AUTH mechanism after TLS', {
      details: { offered: authMechanisms(capsAfterTls) },
    })
  }
  // The in-band lines are only built for servers that speak DEEP/MSTS (most do not).
  const clientLine =
    clientDialect(capsAfterTls) === undefined ? undefined : clientCommand(capsAfterTls, guard.inBandFor(c))
  step.arm({ kind: 'authenticate', clientLine, socket, mechanism, auth: o.auth })
  const authenticated = login(live, step)
  // Learning needs only the passed observation. nodemailer writes the step's first command in a
  // setImmediate; queued after it, learning runs while the server is answering instead of before.
  const learned = new Promise<void>((resolve) => setImmediate(() => resolve(learn(guard, c, obs, log))))
  await authenticated
  return new GuardedSession(live, socket, learned)
}

/**
 * The guard refused a session that completed TLS. When the server is authenticated and speaks
 * DEEP/MSTS, report in band (CLIENT … latch-fail=…) and QUIT; otherwise send nothing more.
 */
async function refuseAfterEhlo(
  conn: SMTPConnection,
  step: GuardStep,
  result: Extract<CheckResult, { ok: false }>,
  capsAfterTls: readonly string[],
): Promise<SdkError> {
  const line = result.inBand === null ? undefined : clientCommand(capsAfterTls, result.inBand)
  if (line === undefined) {
    conn.close()
    return result.error
  }
  step.arm({ kind: 'report', clientLine: line })
  // The step sends CLIENT, reads the reply and then fails on purpose; nothing else is written.
  await runStep(conn).catch(() => {})
  conn.quit()
  return result.error
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
