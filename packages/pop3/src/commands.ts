// TRANSACTION-state commands (RFC 1939 §5, §7) and QUIT (§6), one request/response each.
// Callers serialise them (client.ts holds a lock), so at most one command is ever in flight.
import { z } from 'zod'
import type { Session } from './connect.js'
import type { Pop3Step } from './errors.js'
import { commandFailed, readBodyBuffer, readStatus, simpleCommand } from './exchange.js'
import { LISTING_LINE_MAX } from './limits.js'
import { splitLines } from './line-reader.js'
import {
  type Pop3ListEntry,
  type Pop3Stat,
  type Pop3UidEntry,
  parseScanListing,
  parseStat,
  parseUidListing,
} from './listings.js'
import { parseOptions } from './options.js'

// RFC 1939 §3: message numbers start at 1. The upper bound only keeps the command line short.
const MessageNumber = z.int().min(1).max(2_147_483_647)
const LineCount = z.int().min(0).max(2_147_483_647)
const MaxBytes = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

/** Validates a message number from the app. @throws Pop3Error INVALID_OPTION (no I/O happened) */
export function messageNumber(id: unknown, label: string): number {
  return parseOptions(MessageNumber, id, label)
}
/** @throws Pop3Error INVALID_OPTION */
export function lineCount(n: unknown, label: string): number {
  return parseOptions(LineCount, n, label)
}
/** @throws Pop3Error INVALID_OPTION */
export function byteLimit(n: unknown, label: string): number {
  return parseOptions(MaxBytes, n, label)
}

const timeout = (s: Session): number => s.options.timeouts.commandMs

/** `STAT` (RFC 1939 §5). Does I/O. @throws Pop3Error COMMAND_FAILED, PROTOCOL, TIMEOUT, CLOSED */
export async function stat(s: Session): Promise<Pop3Stat> {
  const status = await simpleCommand(s.wire, 'STAT', 'STAT', timeout(s))
  return s.wire.check(() => parseStat(status.text))
}

async function listing<T>(s: Session, step: 'LIST' | 'UIDL', parse: (line: Buffer) => T): Promise<T[]> {
  s.wire.send(step)
  const status = await readStatus(s.wire, step, timeout(s))
  if (!status.ok) {
    s.wire.endResponse()
    throw commandFailed(step, status)
  }
  const payload = await readBodyBuffer(s.wire, {
    step,
    maxBytes: s.options.limits.maxListingBytes,
    idleMs: timeout(s),
  })
  s.wire.endResponse()
  return s.wire.check(() => splitLines(payload, LISTING_LINE_MAX).map(parse))
}

/** `LIST` for all messages, bounded by `limits.maxListingBytes`. Does I/O. @throws Pop3Error (also TOO_LARGE) */
export function list(s: Session): Promise<Pop3ListEntry[]> {
  return listing(s, 'LIST', parseScanListing)
}

/** `LIST n`. Does I/O. @throws Pop3Error COMMAND_FAILED (no such message), PROTOCOL, TIMEOUT, CLOSED */
export async function listOne(s: Session, id: number): Promise<Pop3ListEntry> {
  const status = await simpleCommand(s.wire, `LIST ${id}`, 'LIST', timeout(s))
  return s.wire.check(() => parseScanListing(status.text))
}

/** `UIDL` for all messages (RFC 1939 §7), bounded like LIST. Does I/O. @throws Pop3Error (also TOO_LARGE) */
export function uidl(s: Session): Promise<Pop3UidEntry[]> {
  return listing(s, 'UIDL', parseUidListing)
}

/** `UIDL n`. Does I/O. @throws Pop3Error COMMAND_FAILED, PROTOCOL, TIMEOUT, CLOSED */
export async function uidlOne(s: Session, id: number): Promise<Pop3UidEntry> {
  const status = await simpleCommand(s.wire, `UIDL ${id}`, 'UIDL', timeout(s))
  return s.wire.check(() => parseUidListing(status.text))
}

/**
 * RFC 1939 §7 TOP: headers, the blank line, then `lines` body lines; dot-unstuffed, CRLFs kept.
 * Does I/O. @throws Pop3Error COMMAND_FAILED, TOO_LARGE (connection closed), PROTOCOL, TIMEOUT, CLOSED
 */
export async function top(s: Session, id: number, lines: number, maxBytes: number): Promise<Buffer> {
  s.wire.send(`TOP ${id} ${lines}`)
  const status = await readStatus(s.wire, 'TOP', timeout(s))
  if (!status.ok) {
    s.wire.endResponse()
    throw commandFailed('TOP', status)
  }
  const body = await readBodyBuffer(s.wire, { step: 'TOP', maxBytes, idleMs: timeout(s) })
  s.wire.endResponse()
  return body
}

/** A command whose only answer is a status line (DELE, RSET, NOOP). Does I/O. @throws Pop3Error */
export async function simple(s: Session, line: string, step: Pop3Step): Promise<void> {
  await simpleCommand(s.wire, line, step, timeout(s))
}

/**
 * RFC 1939 §6: QUIT moves the session to UPDATE, where DELE-marked messages are removed, then the
 * server closes. We end TLS with close_notify either way. `-ERR` means some deletions failed.
 * Does I/O. @throws Pop3Error COMMAND_FAILED, PROTOCOL, TIMEOUT, CLOSED
 */
export async function quit(s: Session): Promise<void> {
  s.wire.send('QUIT')
  const status = await readStatus(s.wire, 'QUIT', timeout(s))
  s.wire.endResponse()
  s.wire.end()
  if (!status.ok) throw commandFailed('QUIT', status)
}
