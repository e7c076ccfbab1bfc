// The cleartext half of a STARTTLS connection (RFC 2595 §4, RFC 2449 §5).
// Everything read here is attacker-controlled. It is used for exactly three decisions (is the
// greeting positive, is STLS listed, did STLS get +OK) and otherwise only kept as report data.
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { type ConnectPhase, type Evidence, safeText } from '@mua-sts/core'
import { type ConnectDeadline, evidenceOf, PRE_TLS_LIMITS } from '@mua-sts/transport'
import type { Pop3PreTlsAnomalyCode } from './anomaly.js'
import { hasCapability } from './capa.js'
import { Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
import { readStatus, requestCapa } from './exchange.js'
import type { GuardRemoval } from './guard-removal.js'
import type { SessionConfig } from './session-config.js'
import { upgradeToTls } from './tls-upgrade.js'
import { Wire } from './wire.js'

/** What the cleartext phase observed; the connect sequence hands it to the gate or to the anomaly. */
export type PreTlsRecord = {
  step: 'connect' | 'greeting' | 'CAPA' | 'STLS' | 'handshake'
  /** Validated by parseCapaLines, so printable ASCII only. */
  capsBeforeTls: readonly string[]
  /** Greeting text without controls or markup (attacker-controlled: never used for a decision). */
  greetingBeforeTls: string | undefined
}

/** The connect phase (core's names) of each pre-TLS step. */
export const PHASE_OF: Readonly<Record<PreTlsRecord['step'], ConnectPhase>> = {
  connect: 'tcp',
  greeting: 'greeting',
  CAPA: 'capabilities',
  STLS: 'starttls',
  handshake: 'handshake',
}

/** Moves the record and the connect deadline to `step` together. */
export function enterStep(record: PreTlsRecord, deadline: ConnectDeadline, step: PreTlsRecord['step']): void {
  record.step = step
  deadline.enter(PHASE_OF[step])
}

export type StlsOutcome =
  | { readonly kind: 'tls'; readonly socket: TLSSocket; readonly leftover: Buffer }
  /** Only reachable with the test-only `cleartextFallback` guard removal. */
  | { readonly kind: 'cleartext'; readonly wire: Wire }

/** A refusal decided by this module; connect.ts turns it into an anomaly-carrying Pop3Error. */
export class StlsRefusal extends Error {
  constructor(
    readonly anomaly: Pop3PreTlsAnomalyCode,
    readonly step: Pop3Step,
    message: string,
    readonly evidence: readonly Evidence[] = [],
  ) {
    super(message)
  }
}

/**
 * Greeting → CAPA → STLS → handshake over `socket` (does I/O). Fills `record` as it goes so that a
 * failure at any step still reports what was seen. Sends nothing but `CAPA` and `STLS` in cleartext.
 * @throws StlsRefusal for the STARTTLS-specific refusals; Pop3Error for timeouts, framing, handshake.
 */
export async function negotiateStls(
  socket: Socket,
  o: SessionConfig,
  record: PreTlsRecord,
  deadline: ConnectDeadline,
  removal: GuardRemoval | undefined,
): Promise<StlsOutcome> {
  const wire = new Wire(socket, true)
  enterStep(record, deadline, 'greeting')
  const greeting = await readStatus(wire, 'greeting', o.timeouts.greetingMs)
  wire.endResponse()
  record.greetingBeforeTls = safeText(greeting.text.toString('utf8'))
  if (!greeting.ok) {
    wire.destroy()
    throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 server greeting was negative', { step: 'greeting' })
  }

  enterStep(record, deadline, 'CAPA')
  const capa = (await requestCapa(wire, o.timeouts.commandMs)) ?? []
  if (capa.length > PRE_TLS_LIMITS.maxLines) {
    // More capability lines than any real server lists: a flood, never read on (the shared pre-TLS cap).
    wire.destroy()
    throw new StlsRefusal(
      'untagged_before_tls',
      'CAPA',
      'POP3 server listed more capabilities before TLS than the pre-TLS limit allows',
      [evidenceOf('overflow', capa.join('\r\n'))],
    )
  }
  record.capsBeforeTls = capa
  // RFC 2595 §4: a server that supports STLS lists it in CAPA. Its absence is stripping or a server
  // without TLS; both end the session (DEEP -04 §3.1, RFC 8314 §5.2). The cleartext branch is test-only.
  if (!hasCapability(record.capsBeforeTls, 'STLS')) {
    if (removal?.cleartextFallback === true) return { kind: 'cleartext', wire }
    wire.destroy()
    throw new StlsRefusal(
      'starttls_not_offered',
      'CAPA',
      'POP3 server did not offer STLS; refusing to continue without TLS',
    )
  }

  enterStep(record, deadline, 'STLS')
  wire.send('STLS')
  const reply = await readStatus(wire, 'STLS', o.timeouts.commandMs)
  if (!reply.ok) {
    if (removal?.cleartextFallback === true) {
      wire.endResponse()
      return { kind: 'cleartext', wire }
    }
    wire.destroy()
    throw new StlsRefusal(
      'starttls_refused',
      'STLS',
      'POP3 server refused STLS; refusing to continue without TLS',
    )
  }

  // No await between reading "+OK" and releasing the socket, so no I/O callback can slip in between.
  // Anything already received past "+OK" was sent before the server could have seen our ClientHello:
  // it is injected cleartext (CERT VU#555316). Never parse it, never hand it to TLS; abort.
  const leftover = wire.releaseForTls()
  if (leftover.length > 0 && removal?.keepBytesAfterStls !== true) {
    socket.destroy()
    throw new StlsRefusal(
      'bytes_after_starttls',
      'STLS',
      `POP3 server sent ${leftover.length} octet(s) after the STLS reply before the TLS handshake; possible injection`,
      [evidenceOf('bytes', leftover)],
    )
  }
  enterStep(record, deadline, 'handshake')
  return { kind: 'tls', socket: await upgradeToTls(socket, o.tls, o.timeouts.handshakeMs), leftover }
}
