// TRANSACTION-state commands (RFC 1939 §5, §7) and QUIT (§6), one request/response each, and the
// parsers of their replies. Callers serialise them (client.ts holds a lock), so at most one command is
// ever in flight. RETR and TOP, which carry message bodies, are in retr.ts.
import { z } from 'zod'
import type { Session } from './connect.js'
import { commandFailed, Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
import { LISTING_LINE_MAX, splitLines } from './framing.js'
import { parseOptions } from './options.js'
import { readBodyBuffer, readStatus, simpleCommand } from './wire.js'

// RFC 1939 §3: message numbers start at 1. The upper bound only keeps the command line short.
const MESSAGE_NUMBER_MAX = 2_147_483_647
const MessageNumber = z.int().min(1).max(MESSAGE_NUMBER_MAX)
const LineCount = z.int().min(0).max(MESSAGE_NUMBER_MAX)
const MaxBytes = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

// Every command validates its numbers; a zod parse per argument was a visible share of a small RETR
// (issue #17). A safe integer within the bounds is exactly what the schema accepts, and it returns the
// value unchanged, so such a value is returned as is; anything else goes to zod, for its error message.
function integerIn(n: unknown, min: number, max: number, schema: z.ZodType<number>, label: string): number {
  return Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max
    ? (n as number)
    : parseOptions(schema, n, label)
}

/** Validates a message number from the app. @throws Pop3Error INVALID_OPTION (no I/O happened) */
export function messageNumber(id: unknown, label: string): number {
  return integerIn(id, 1, MESSAGE_NUMBER_MAX, MessageNumber, label)
}
/** @throws Pop3Error INVALID_OPTION */
export function lineCount(n: unknown, label: string): number {
  return integerIn(n, 0, MESSAGE_NUMBER_MAX, LineCount, label)
}
/** @throws Pop3Error INVALID_OPTION */
export function byteLimit(n: unknown, label: string): number {
  return integerIn(n, 1, Number.MAX_SAFE_INTEGER, MaxBytes, label)
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

// ─── Listings (STAT, LIST, UIDL replies). Pure. ─────────────────────────────────────────────────
// Numbers must be plain decimal within the safe-integer range; anything else is a protocol error
// rather than a NaN that flows into the app.

/** `STAT` result: number of messages and total size in octets. */
export type Pop3Stat = { readonly count: number; readonly size: number }
/** One `LIST` scan listing: message number and size in octets. */
export type Pop3ListEntry = { readonly id: number; readonly size: number }
/** One `UIDL` listing: message number and its unique-id (1–70 printable ASCII octets, RFC 1939 §7). */
export type Pop3UidEntry = { readonly id: number; readonly uid: string }

function badListing(step: Pop3Step): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server sent a malformed ${step} listing`, { step })
}

function decimal(text: string, step: Pop3Step, min: number): number {
  if (!/^\d{1,15}$/.test(text)) throw badListing(step)
  const n = Number(text)
  if (n < min) throw badListing(step)
  return n
}

// RFC 1939 §5: "This memo makes no requirement on what follows" the two numbers, so a trailing
// " anything" is accepted and ignored; the numbers themselves are strict.
const TWO_NUMBERS = /^(\d+) (\d+)(?: [\x20-\x7e]*)?$/

/** Parses the text after `+OK` of a STAT reply, e.g. `2 320`. @throws Pop3Error PROTOCOL */
export function parseStat(text: Buffer): Pop3Stat {
  const m = TWO_NUMBERS.exec(text.toString('latin1'))
  if (m === null) throw badListing('STAT')
  return { count: decimal(m[1]!, 'STAT', 0), size: decimal(m[2]!, 'STAT', 0) }
}

/** Parses a scan listing `n size` (a LIST data line, or the text of `LIST n`). @throws Pop3Error PROTOCOL */
export function parseScanListing(line: Buffer): Pop3ListEntry {
  const m = TWO_NUMBERS.exec(line.toString('latin1'))
  if (m === null) throw badListing('LIST')
  return { id: decimal(m[1]!, 'LIST', 1), size: decimal(m[2]!, 'LIST', 0) }
}

// RFC 1939 §7: unique-id is 1 to 70 characters in the range 0x21 to 0x7E.
const UID_LISTING = /^(\d+) ([\x21-\x7e]{1,70})$/

/** Parses a unique-id listing `n uid` (a UIDL data line, or the text of `UIDL n`). @throws Pop3Error PROTOCOL */
export function parseUidListing(line: Buffer): Pop3UidEntry {
  const m = UID_LISTING.exec(line.toString('latin1'))
  if (m === null) throw badListing('UIDL')
  return { id: decimal(m[1]!, 'UIDL', 1), uid: m[2]! }
}
