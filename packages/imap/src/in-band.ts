// DEEP -04 §7.1 / MUA-STS -05 §9.1 in-band failure report over IMAP: on a refused session that the
// in-band mode allows to report on (see core's buildFailureInBand), learn the post-TLS capabilities,
// then send `ID ("name" … "latch-fail" …)` only if the server lists `ID` (RFC 2971) and the failure
// field's draft (`DEEP` for latch-fail, `STS` for policy-fail), then LOGOUT, without authenticating.
// imapflow never sees this socket: the guard talks to it directly. The caller learns exactly which ID
// fields were written, so the report claims an in-band message only when one was sent (issue #14).
import type { TLSSocket } from 'node:tls'
import { carriesFailure, idFieldsFor, renderIdParams } from '@mua-sts/core'

const TAG_CAPABILITY = 'muasts0'
const TAG_ID = 'muasts1'
const TAG_LOGOUT = 'muasts2'
/** Longest server line we wait through (a generous ID response); beyond it we just hang up. */
const MAX_LINE = 16 * 1024
/** At most this many capability atoms are looked at. */
const MAX_CAPS = 256

export type InBandOptions = {
  /** Implicit TLS: the server greets first, so wait for `* OK` before sending (RFC 9051 §7.1). */
  readonly awaitGreeting: boolean
  /** Upper bound for the whole exchange; the refusal does not wait longer than this. */
  readonly timeoutMs: number
  /** Asked before every write: false once the refusal was settled without this exchange (deadline). */
  readonly mayWrite?: () => boolean
  /** Called right after the failure ID was handed to the socket, with exactly the fields written. */
  readonly onIdSent?: (fields: Readonly<Record<string, string>>) => void
}

/** The exact bytes of each command this exchange may send. */
export function inBandCommands(idFields: Readonly<Record<string, string>>): {
  capability: string
  id: string
  logout: string
} {
  return {
    capability: `${TAG_CAPABILITY} CAPABILITY\r\n`,
    id: `${TAG_ID} ID ${renderIdParams(idFields)}\r\n`,
    logout: `${TAG_LOGOUT} LOGOUT\r\n`,
  }
}

/**
 * Capability atoms of an untagged `* CAPABILITY …` line or a `[CAPABILITY …]` response code (RFC 9051
 * §7.2.2, §7.1), or undefined when the line carries none. Pure.
 */
export function capabilitiesOf(line: string): string[] | undefined {
  const code = /^\* (?:OK|PREAUTH) \[CAPABILITY ([^\]]*)\]/i.exec(line)
  const untagged = /^\* CAPABILITY (.*)$/i.exec(line)
  const list = code?.[1] ?? untagged?.[1]
  if (list === undefined) return undefined
  return list
    .split(' ')
    .filter((a) => a !== '')
    .slice(0, MAX_CAPS)
}

/**
 * Runs the exchange over `socket` (does I/O), then ends it. Best effort: it never throws or rejects,
 * and resolves after the server answered LOGOUT, closed, or `timeoutMs` passed. Resolves with the ID
 * fields written, or undefined when no failure ID was written (server lists no `ID`, or not the
 * draft of any failure field). The caller destroys the socket afterwards in any case.
 */
export function sendFailureReport(
  socket: TLSSocket,
  idFields: Readonly<Record<string, string>>,
  options: InBandOptions,
): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    let buffer = ''
    let step: 'greeting' | 'capability' | 'id' | 'logout' = 'greeting'
    let caps: string[] = []
    let sent: Record<string, string> | undefined
    let finished = false
    const done = (): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', done)
      socket.off('error', done)
      socket.end()
      resolve(sent)
    }
    const timer = setTimeout(done, options.timeoutMs)
    const write = (bytes: string): boolean => {
      if (options.mayWrite?.() === false || socket.destroyed) {
        done()
        return false
      }
      socket.write(bytes)
      return true
    }
    const decide = (): void => {
      const fields = idFieldsFor(idFields, caps)
      if (fields !== undefined && carriesFailure(fields)) {
        if (!write(`${TAG_ID} ID ${renderIdParams(fields)}\r\n`)) return
        sent = fields
        options.onIdSent?.(fields)
        step = 'id'
      } else if (write(`${TAG_LOGOUT} LOGOUT\r\n`)) step = 'logout'
    }
    const askCapabilities = (): void => {
      if (write(`${TAG_CAPABILITY} CAPABILITY\r\n`)) step = 'capability'
    }
    const onLine = (line: string): void => {
      if (/^\* BYE/i.test(line)) {
        done()
        return
      }
      if (step === 'greeting') {
        if (!line.startsWith('* ')) return
        const fromGreeting = capabilitiesOf(line)
        if (fromGreeting === undefined) {
          askCapabilities()
          return
        }
        caps = fromGreeting
        decide()
      } else if (step === 'capability') {
        const listed = capabilitiesOf(line)
        if (listed !== undefined) caps = listed
        else if (line.startsWith(`${TAG_CAPABILITY} `)) decide()
      } else if (step === 'id' && line.startsWith(`${TAG_ID} `)) {
        if (write(`${TAG_LOGOUT} LOGOUT\r\n`)) step = 'logout'
      } else if (step === 'logout' && line.startsWith(`${TAG_LOGOUT} `)) {
        done()
      }
    }
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1')
      for (let end = buffer.indexOf('\n'); end !== -1 && !finished; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/, '')
        buffer = buffer.slice(end + 1)
        onLine(line)
      }
      if (buffer.length > MAX_LINE) done()
    }
    socket.on('data', onData)
    socket.once('close', done)
    socket.once('error', done)
    // After STARTTLS there is no new greeting (RFC 9051 §6.2.1): capabilities must be asked for again.
    if (!options.awaitGreeting) askCapabilities()
  })
}
