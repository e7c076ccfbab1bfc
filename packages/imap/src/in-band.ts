// DEEP -04 §7.1 in-band latch-failure report: on a session whose server IS authenticated but which
// misses a latched tag (SPKI pin, DANE, …), tell the server with `ID ("latch-fail" …)` and LOG OUT,
// without authenticating. imapflow never sees this socket: the guard talks to it directly.
// Only ever called when the guard's check returned `inBand` (server authenticated); a session whose
// certificate failed gets nothing at all, since the peer may be the attacker (digest §7.5).
import type { TLSSocket } from 'node:tls'
import { renderIdParams } from '@mua-sts/core'

const TAG_ID = 'muasts1'
const TAG_LOGOUT = 'muasts2'
/** Longest server line we wait through (a generous ID response); beyond it we just hang up. */
const MAX_LINE = 16 * 1024

export type InBandOptions = {
  /** Implicit TLS: the server greets first, so wait for `* OK` before sending (RFC 9051 §7.1). */
  readonly awaitGreeting: boolean
  /** Upper bound for the whole exchange; the report was already dispatched, this only limits politeness. */
  readonly timeoutMs: number
}

/** The exact bytes sent: one tagged ID, then one tagged LOGOUT (each only after the previous reply). */
export function inBandCommands(idFields: Readonly<Record<string, string>>): { id: string; logout: string } {
  return { id: `${TAG_ID} ID ${renderIdParams(idFields)}\r\n`, logout: `${TAG_LOGOUT} LOGOUT\r\n` }
}

/**
 * Sends the latch-failure ID and LOGOUT over `socket` (does I/O), then ends it. Best effort: it never
 * throws or rejects, and resolves after the server answered LOGOUT, closed, or `timeoutMs` passed.
 * The caller destroys the socket afterwards in any case.
 */
export function sendLatchFailure(
  socket: TLSSocket,
  idFields: Readonly<Record<string, string>>,
  options: InBandOptions,
): Promise<void> {
  const commands = inBandCommands(idFields)
  return new Promise<void>((resolve) => {
    let buffer = ''
    let step: 'greeting' | 'id' | 'logout' = options.awaitGreeting ? 'greeting' : 'id'
    let finished = false
    const done = (): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', done)
      socket.off('error', done)
      socket.end()
      resolve()
    }
    const timer = setTimeout(done, options.timeoutMs)
    const send = (next: 'id' | 'logout'): void => {
      step = next
      socket.write(next === 'id' ? commands.id : commands.logout)
    }
    const onLine = (line: string): void => {
      if (step === 'greeting') {
        if (/^\* BYE/i.test(line)) done()
        else if (line.startsWith('* ')) send('id')
      } else if (step === 'id' && line.startsWith(`${TAG_ID} `)) {
        send('logout')
      } else if (step === 'logout' && line.startsWith(`${TAG_LOGOUT} `)) {
        done()
      }
    }
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1')
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/, '')
        buffer = buffer.slice(end + 1)
        onLine(line)
      }
      if (buffer.length > MAX_LINE) done()
    }
    socket.on('data', onData)
    socket.once('close', done)
    socket.once('error', done)
    if (step === 'id') send('id')
  })
}
