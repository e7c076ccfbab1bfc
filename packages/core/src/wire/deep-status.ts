// DEEP -04 §5.3 status: [ deep-tag *( SP deep-tag ) ]; deep-tag = "<" https-URI ">" / security-tag / ext.
// The draft's EXTCHAR ranges contradict its own comment (they include SP and "\", exclude "/"), so we
// split on SP first and classify each token by its first character, as the prose intends (digest §7.7).
import type { DeepStatus } from '../model/observation.js'
import { SECURITY_TAG_RE } from '../model/tags.js'
import { fail, ok, type ParseResult, PRINTABLE_RE } from './result.js'

/** Upper bound on a status we will look at; a real one is a few dozen octets. */
export const MAX_DEEP_STATUS = 2048
const MAX_TAGS = 64
const HTTPS_URL_RE = /^https:\/\/[^\s<>"\\]+$/

export type ParsedDeepStatus = DeepStatus & { readonly ignored: readonly string[] }

/** Parses a DEEP status. Pure; never throws. Unknown or malformed tokens are ignored (§5.3 "MUST ignore"). */
export function parseDeepStatus(input: string): ParseResult<ParsedDeepStatus> {
  if (input.length > MAX_DEEP_STATUS) return fail('too_long', `DEEP status longer than ${MAX_DEEP_STATUS}`)
  if (!PRINTABLE_RE.test(input)) return fail('invalid_char', 'DEEP status contains non-printable characters')
  const tags: string[] = []
  const ignored: string[] = []
  let url: string | undefined
  for (const token of input.split(' ')) {
    if (token === '') continue
    if (token.startsWith('<')) {
      const inner = token.endsWith('>') ? token.slice(1, -1) : undefined
      // Only the first https URL is kept (§3.4); other schemes and unbalanced brackets are ignored.
      if (inner !== undefined && url === undefined && HTTPS_URL_RE.test(inner)) url = inner
      else if (ignored.length < 16) ignored.push(token.slice(0, 64))
    } else if (/^[A-Za-z]/.test(token) && SECURITY_TAG_RE.test(token)) {
      const tag = token.toLowerCase()
      if (!tags.includes(tag)) {
        if (tags.length >= MAX_TAGS) return fail('too_many', `more than ${MAX_TAGS} security tags`)
        tags.push(tag)
      }
    } else if (ignored.length < 16) {
      ignored.push(token.slice(0, 64))
    }
  }
  return ok(url === undefined ? { tags, ignored } : { tags, url, ignored })
}

/** Renders a DEEP status (server side, tests, fakes). */
export function renderDeepStatus(s: DeepStatus): string {
  return [...s.tags, ...(s.url === undefined ? [] : [`<${s.url}>`])].join(' ')
}
