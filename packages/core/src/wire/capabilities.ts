// Server advertisements that carry a DEEP status or -05 policy as a capability argument:
// POP3 CAPA `DEEP <status>` (DEEP -04 §7.2), SMTP EHLO `DEEP <status>` (§7.3) and `MSTS <policy>` (-05 §9.3).
// Callers pass only capabilities read AFTER TLS (RFC 2595 §4, RFC 3207 §4.2).
import { type ParsedDeepStatus, parseDeepStatus } from './deep-status.js'
import type { ParseResult } from './result.js'
import { type ParsedStsPolicy, parseStsPolicy } from './sts-policy.js'

function argumentOf(lines: readonly string[], keyword: string): string | undefined {
  for (const line of lines) {
    const sp = line.indexOf(' ')
    const head = (sp === -1 ? line : line.slice(0, sp)).toUpperCase()
    if (head === keyword) return sp === -1 ? '' : line.slice(sp + 1).trim()
  }
  return undefined
}

/** The DEEP line of a POP3 CAPA response or SMTP EHLO response (lines without status codes). */
export function parseDeepCapability(lines: readonly string[]): ParseResult<ParsedDeepStatus> | undefined {
  const arg = argumentOf(lines, 'DEEP')
  return arg === undefined ? undefined : parseDeepStatus(arg)
}

/** The MSTS line of an SMTP EHLO response (-05), or STS in a POP3 CAPA response (-05 §13.7). */
export function parseStsCapability(lines: readonly string[]): ParseResult<ParsedStsPolicy> | undefined {
  const arg = argumentOf(lines, 'MSTS') ?? argumentOf(lines, 'STS')
  return arg === undefined ? undefined : parseStsPolicy(arg)
}

/** True if a capability keyword (first token, case-insensitive) is present. */
export function hasCapability(lines: readonly string[], keyword: string): boolean {
  return argumentOf(lines, keyword.toUpperCase()) !== undefined
}
