// CAPA response lines (RFC 2449 §5, §9) and the lookups the connect sequence needs. Pure.
import { Pop3Error, Pop3ErrorCode } from './errors.js'

// RFC 2449 §9: capability = capa-tag *(SP param); capa-tag = 1*cchar (printable ASCII except ".");
// param = 1*pchar (printable ASCII). We accept runs of spaces between params (seen in the wild)
// but nothing outside 0x20-0x7E, so a capability line can never carry control characters.
const CAPABILITY_LINE = /^[\x21-\x2d\x2f-\x7e][\x21-\x7e]*(?: +[\x21-\x7e]+)* *$/

/**
 * Validates decoded CAPA lines and returns them as strings, in server order.
 * @throws Pop3Error `MUASTS_ERR_POP3_PROTOCOL` if any line violates the RFC 2449 grammar.
 */
export function parseCapaLines(lines: readonly Buffer[]): string[] {
  return lines.map((raw) => {
    const line = raw.toString('latin1')
    if (!CAPABILITY_LINE.test(line)) {
      throw new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 server sent a malformed CAPA line')
    }
    return line
  })
}

function tagOf(line: string): string {
  const sp = line.indexOf(' ')
  return (sp === -1 ? line : line.slice(0, sp)).toUpperCase()
}

/**
 * True if a capability with this tag is listed. Tags are ABNF string literals in RFC 2449 and RFC 2595,
 * and ABNF literals are case-insensitive (RFC 5234 §2.3), so `stls` counts as `STLS`.
 */
export function hasCapability(caps: readonly string[], tag: string): boolean {
  const wanted = tag.toUpperCase()
  return caps.some((line) => tagOf(line) === wanted)
}

/**
 * The raw text after `DEEP ` in the first `DEEP` capability line (DEEP -04 §7.2), `''` for a bare
 * `DEEP`, or undefined when absent. Not interpreted here: the policy engine parses deep-status.
 */
export function deepStatusOf(caps: readonly string[]): string | undefined {
  const line = caps.find((l) => tagOf(l) === 'DEEP')
  if (line === undefined) return undefined
  const sp = line.indexOf(' ')
  return sp === -1 ? '' : line.slice(sp + 1)
}

/** Upper-cased SASL mechanisms from the `SASL` capability (RFC 2449 §6.3), empty when absent. */
export function saslMechanismsOf(caps: readonly string[]): string[] {
  const line = caps.find((l) => tagOf(l) === 'SASL')
  if (line === undefined) return []
  return line
    .split(' ')
    .slice(1)
    .filter((m) => m.length > 0)
    .map((m) => m.toUpperCase())
}
