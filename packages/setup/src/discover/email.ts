// Splits the user's address into the parts discovery needs. The domain is the reference identity
// for everything that follows (RFC 7817 §3), so it is normalised once here: IDNA A-labels via
// WHATWG domainToASCII (UTS #46), lower case, no trailing dot.
import { domainToASCII } from 'node:url'
import { DiscoverError, DiscoverErrorCode } from './errors.js'

export type EmailParts = {
  readonly localPart: string
  /** A-label form, lower case, at least two labels. */
  readonly domain: string
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
// RFC 5321 §4.5.3.1.1: 64 octets of local part. Control characters and spaces never belong there
// unquoted, and quoted local parts with them are too rare to be worth the parsing risk.
const LOCAL_PART = /^[^\s\x00-\x1f\x7f]{1,64}$/u

function invalid(reason: string): DiscoverError {
  // The address itself stays out of the message: it may end up in logs or reports.
  return new DiscoverError(DiscoverErrorCode.InvalidOption, `discover email: ${reason}`)
}

// domainToASCII runs the WHATWG host parser, which stops at '/', '?', '#' and '\\' and percent-decodes:
// 'evil.test#.example.test' would come back as 'evil.test'. So every ASCII character outside LDH
// and the dot is refused before it gets there (non-ASCII goes through UTS #46 mapping, which
// refuses mapped delimiters such as U+FF0F itself).
const NON_LDH_ASCII = /[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/

/** Normalises a DNS domain to lower-case A-labels; returns undefined when it is not a host name. */
export function normalizeDomain(input: string): string | undefined {
  if (input.length === 0 || input.length > 255) return undefined
  if (NON_LDH_ASCII.test(input) || NON_LDH_ASCII.test(input.normalize('NFKC'))) return undefined
  const ascii = domainToASCII(input).toLowerCase().replace(/\.$/, '')
  if (ascii === '' || ascii.length > 253) return undefined
  const labels = ascii.split('.')
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return undefined
  // An all-numeric last label means an IPv4 literal, which has no SRV or autoconfig of its own.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return undefined
  return ascii
}

/** Parses `local@domain`. Does no I/O. Throws `MUASTS_ERR_INVALID_OPTION` for anything else. */
export function parseEmail(email: unknown): EmailParts {
  if (typeof email !== 'string') throw invalid('expected a string')
  const at = email.lastIndexOf('@')
  if (at <= 0 || at === email.length - 1) throw invalid('expected local-part@domain')
  const localPart = email.slice(0, at)
  if (!LOCAL_PART.test(localPart) || Buffer.byteLength(localPart) > 64) {
    throw invalid('the local part is empty, too long or contains spaces or control characters')
  }
  const domain = normalizeDomain(email.slice(at + 1))
  if (domain === undefined) throw invalid('the domain is not a valid host name with at least two labels')
  return { localPart, domain }
}
