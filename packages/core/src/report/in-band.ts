// In-band reporting (DEEP -04 §7.1 IMAP ID fields, §7.3 SMTP CLIENT; -05 §9.3 CLIENT form).
// Built once from the same data as the JSON report so the wire line and the JSON always agree.
// Sent only when the server IS authenticated (PKIX + RFC 7817, or DANE): data sent over a session whose
// certificate failed may reach the attacker (digest §7.5), so then nothing is sent at all. A failed SPKI
// pin on an otherwise valid certificate is still reported in band, as DEEP -04 §7.1 intends: that server
// learns the client's latches (and name/version unless `client: null`), never a credential.

import type { Violation } from '../evaluate/violation.js'
import type { Commitment } from '../model/commitment.js'
import { KNOWN_TAGS } from '../model/tags.js'
import { sanitizeEsmtpValue } from '../wire/esmtp-value.js'
import { limitIdFields } from '../wire/imap-id.js'
import { renderClient04 } from '../wire/smtp-client-04.js'
import { renderClient05 } from '../wire/smtp-client-05.js'
import { renderStsPolicy } from '../wire/sts-policy.js'

/** -05 `directives`: what this SDK can enforce (any TLS version up to 1.3, PKIX certificates). */
export const SUPPORTED_DIRECTIVES = 'tls-version=1.3; tls-cert=pkix'

/** Client identity for CLIENT/ID; `null` switches name and version off for privacy (DEEP -04 §12). */
export type ClientIdentity = { readonly name: string; readonly version: string } | null

export type InBand = {
  /** -04 CLIENT line (no CRLF), sent when the post-TLS EHLO lists DEEP. */
  readonly client04?: string | undefined
  /** -05 CLIENT line, sent when the post-TLS EHLO lists MSTS. */
  readonly client05?: string | undefined
  /** IMAP ID fields (RFC 2971 limits applied). */
  readonly idFields: Readonly<Record<string, string>>
}

export type InBandInput = {
  readonly commitment: Commitment
  /** Violations to report as latch-fail; empty for a normal (successful) session. */
  readonly violations: readonly Violation[]
  readonly client: ClientIdentity
  /** Whether this SDK instance can validate DANE (it then advertises tls-dane-tlsa as supported). */
  readonly daneSupported?: boolean
}

function knownLatches(c: Commitment): string[] {
  return c.latches.filter((t) => (KNOWN_TAGS as readonly string[]).includes(t))
}

/** The tags that failed, as reported in latch-fail (sorted, unique). */
export function failedTags(violations: readonly Violation[]): string[] {
  return [...new Set(violations.flatMap((v) => (v.tag === undefined ? [] : [v.tag])))].sort()
}

function savedDirectives(c: Commitment): string {
  return renderStsPolicy({ ...c.directives })
}

function failedDirectives(c: Commitment, failed: readonly string[]): string {
  const parts: string[] = []
  if (failed.includes('tls-version') && c.directives.tlsVersion)
    parts.push(`tls-version=${c.directives.tlsVersion}`)
  if (failed.includes('tls-cert') && c.directives.tlsCert) parts.push(`tls-cert=${c.directives.tlsCert}`)
  return parts.join('; ')
}

/**
 * In-band reporting is allowed only when the server is authenticated (otherwise the data may reach an
 * attacker, digest §7.5) and at least one failed property has a tag the server can understand.
 */
export function inBandAllowed(serverAuthenticated: boolean, violations: readonly Violation[]): boolean {
  return serverAuthenticated && failedTags(violations).length > 0
}

/** Computes the exact CLIENT lines and ID fields for a session. Pure. */
export function buildInBand(input: InBandInput): InBand {
  const { commitment: c, violations, client } = input
  const latch = knownLatches(c)
  const supported = KNOWN_TAGS.filter((t) => t !== 'tls-dane-tlsa' || input.daneSupported === true)
  const securityTags = supported.filter((t) => !latch.includes(t))
  const failed = failedTags(violations)
  const name = client === null ? undefined : sanitizeEsmtpValue(client.name)
  const version = client === null ? undefined : sanitizeEsmtpValue(client.version)
  const client04 = renderClient04({ name, version, latch, latchFail: failed, securityTags })
  const client05 = renderClient05({
    name,
    version,
    saved: savedDirectives(c) || undefined,
    policyFail: failedDirectives(c, failed) || undefined,
    directives: SUPPORTED_DIRECTIVES,
  })
  const id: Record<string, string> = {}
  if (client !== null) {
    id['name'] = client.name
    id['version'] = client.version
  }
  if (latch.length > 0) id['latch'] = latch.join(' ')
  if (failed.length > 0) id['latch-fail'] = failed.join(' ')
  if (securityTags.length > 0) id['security-tags'] = securityTags.join(' ')
  return { client04, client05, idFields: limitIdFields(id) }
}
