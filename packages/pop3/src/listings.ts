// STAT / LIST / UIDL reply parsing (RFC 1939 §5, §7). Pure. Numbers must be plain decimal within the
// safe-integer range; anything else is a protocol error rather than a NaN that flows into the app.
import { Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'

/** `STAT` result: number of messages and total size in octets. */
export type Pop3Stat = { readonly count: number; readonly size: number }
/** One `LIST` scan listing: message number and size in octets. */
export type Pop3ListEntry = { readonly id: number; readonly size: number }
/** One `UIDL` listing: message number and its unique-id (1–70 printable ASCII octets, RFC 1939 §7). */
export type Pop3UidEntry = { readonly id: number; readonly uid: string }

function bad(step: Pop3Step): Pop3Error {
  return new Pop3Error(Pop3ErrorCode.Protocol, `POP3 server sent a malformed ${step} listing`, { step })
}

function decimal(text: string, step: Pop3Step, min: number): number {
  if (!/^\d{1,15}$/.test(text)) throw bad(step)
  const n = Number(text)
  if (n < min) throw bad(step)
  return n
}

// RFC 1939 §5: "This memo makes no requirement on what follows" the two numbers, so a trailing
// " anything" is accepted and ignored; the numbers themselves are strict.
const TWO_NUMBERS = /^(\d+) (\d+)(?: [\x20-\x7e]*)?$/

/** Parses the text after `+OK` of a STAT reply, e.g. `2 320`. @throws Pop3Error PROTOCOL */
export function parseStat(text: Buffer): Pop3Stat {
  const m = TWO_NUMBERS.exec(text.toString('latin1'))
  if (m === null) throw bad('STAT')
  return { count: decimal(m[1]!, 'STAT', 0), size: decimal(m[2]!, 'STAT', 0) }
}

/** Parses a scan listing `n size` (a LIST data line, or the text of `LIST n`). @throws Pop3Error PROTOCOL */
export function parseScanListing(line: Buffer): Pop3ListEntry {
  const m = TWO_NUMBERS.exec(line.toString('latin1'))
  if (m === null) throw bad('LIST')
  return { id: decimal(m[1]!, 'LIST', 1), size: decimal(m[2]!, 'LIST', 0) }
}

// RFC 1939 §7: unique-id is 1 to 70 characters in the range 0x21 to 0x7E.
const UID_LISTING = /^(\d+) ([\x21-\x7e]{1,70})$/

/** Parses a unique-id listing `n uid` (a UIDL data line, or the text of `UIDL n`). @throws Pop3Error PROTOCOL */
export function parseUidListing(line: Buffer): Pop3UidEntry {
  const m = UID_LISTING.exec(line.toString('latin1'))
  if (m === null) throw bad('UIDL')
  return { id: decimal(m[1]!, 'UIDL', 1), uid: m[2]! }
}
