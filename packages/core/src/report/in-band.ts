// In-band reporting: DEEP -04 §7.1 IMAP ID fields and §7.3 SMTP CLIENT, MUA-STS -05 §9.1–9.3.
//
// A passing session tells the server what the client holds: -04 `latch` (registered tags latched for
// this host) and `security-tags` (registered tags supported, not latched); -05 `saved` (the saved
// policy) and `directives` (supported, registered directive values not yet saved).
//
// A failing session sends only the failure, before it hangs up: -04 `latch-fail` lists exactly the
// registered tags latched for this host that this session did not achieve (§7.1), -05 `policy-fail`
// exactly the saved directives it did not achieve (§9.1). Nothing else: no latches, no directives, so a
// peer that may be an impostor learns no more than the failure. -05 failures never go into `latch-fail`.
// SPKI pins are ours, not DEEP's: a pin failure is never named in band, and when it is the only failure
// there is nothing to send, so nothing crosses the session after the handshake.
//
// When a failure may be reported is the app's choice (`InBandMode`); see docs/security-model.md.
import * as z from 'zod'
import type { Commitment } from '../model/commitment.js'
import type { Observation } from '../model/observation.js'
import { KNOWN_TAGS } from '../model/tags.js'
import { sanitizeEsmtpValue } from '../wire/esmtp-value.js'
import { limitIdFields } from '../wire/imap-id.js'
import { renderClient04 } from '../wire/smtp-client-04.js'
import { renderClient05 } from '../wire/smtp-client-05.js'
import { renderStsPolicy } from '../wire/sts-policy.js'
import { failedDirectives, failedLatches } from './failed-properties.js'

/**
 * When a failure is reported in band:
 * - `authenticated-only` (default): only over a session whose server is authenticated (PKIX + RFC 7817,
 *   or DANE). No command ever crosses a TLS session whose certificate failed (the NO STARTTLS rule).
 * - `spec`: whenever a TLS session is up, authenticated or not, as DEEP -04 §7.1 Example 2 does. A
 *   legitimate operator hears about an expired certificate; an impostor learns the client's name and
 *   the failed tags (never a credential).
 * - `never`: nothing is ever sent on failure.
 */
export const IN_BAND_MODES = ['authenticated-only', 'spec', 'never'] as const
export const InBandModeSchema = z.enum(IN_BAND_MODES)
export type InBandMode = z.infer<typeof InBandModeSchema>
export const DEFAULT_IN_BAND_MODE: InBandMode = 'authenticated-only'

/** Client identity for CLIENT/ID; `null` switches name and version off for privacy (DEEP -04 §12). */
export type ClientIdentity = { readonly name: string; readonly version: string } | null

export type InBand = {
  /** -04 CLIENT line (no CRLF), for a post-TLS EHLO that lists DEEP. */
  readonly client04?: string | undefined
  /** -05 CLIENT line, for a post-TLS EHLO that lists MSTS. */
  readonly client05?: string | undefined
  /** IMAP ID fields of both drafts (RFC 2971 limits applied); pick with {@link idFieldsFor}. */
  readonly idFields: Readonly<Record<string, string>>
}

/** IMAP ID fields defined by DEEP -04 §7.1; sent only when the server lists `DEEP`. */
export const ID_FIELDS_04: readonly string[] = ['latch', 'latch-fail', 'security-tags']
/** IMAP ID fields defined by MUA-STS -05 §9.1; sent only when the server lists `STS`. */
export const ID_FIELDS_05: readonly string[] = ['saved', 'policy-fail', 'directives']
/** The fields that carry a failure; a failure message without one of them is never sent. */
export const FAILURE_FIELDS: readonly string[] = ['latch-fail', 'policy-fail']

export type InBandInput = {
  readonly commitment: Commitment
  readonly client: ClientIdentity
  /** Whether this SDK instance can validate DANE (it then offers tls-dane-tlsa and tls-cert=dane). */
  readonly daneSupported?: boolean | undefined
}

function identity(client: ClientIdentity): { name?: string | undefined; version?: string | undefined } {
  if (client === null) return {}
  return { name: sanitizeEsmtpValue(client.name), version: sanitizeEsmtpValue(client.version) }
}

function idIdentity(client: ClientIdentity): Record<string, string> {
  return client === null ? {} : { name: client.name, version: client.version }
}

/** Registered latches for this host, in registry order (-04 §11.2). Unregistered tags are never sent. */
function latched(c: Commitment): string[] {
  return KNOWN_TAGS.filter((t) => c.latches.includes(t))
}

/**
 * -05 `directives`: the registered directive values (-05 §13.2: tls-version 1.1|1.2, tls-cert
 * pkix|dane|any) this client enforces that the saved policy does not already give. Pure.
 */
export function offeredDirectives(c: Commitment, daneSupported = false): string {
  const out: string[] = []
  const v = c.directives.tlsVersion
  if (v === undefined || v === '1.1') out.push('tls-version=1.2')
  const cert = c.directives.tlsCert
  const hasPkix = cert === 'pkix' || cert === 'pkix+dane'
  const hasDane = cert === 'dane' || cert === 'pkix+dane'
  if (!hasPkix) out.push('tls-cert=pkix')
  if (daneSupported && !hasDane) out.push('tls-cert=dane')
  return out.join('; ')
}

/** The in-band data of a passing session: what the client holds and supports. Pure. */
export function buildInBand(input: InBandInput): InBand {
  const { commitment: c, client } = input
  const latch = latched(c)
  const supported = KNOWN_TAGS.filter((t) => t !== 'tls-dane-tlsa' || input.daneSupported === true)
  const securityTags = supported.filter((t) => !latch.includes(t))
  const saved = renderStsPolicy({ ...c.directives }) || undefined
  const directives = offeredDirectives(c, input.daneSupported) || undefined
  const who = identity(client)
  const id: Record<string, string> = idIdentity(client)
  if (latch.length > 0) id['latch'] = latch.join(' ')
  if (securityTags.length > 0) id['security-tags'] = securityTags.join(' ')
  if (saved !== undefined) id['saved'] = saved
  if (directives !== undefined) id['directives'] = directives
  return {
    client04: renderClient04({ ...who, latch, securityTags }),
    client05: renderClient05({ ...who, saved, directives }),
    idFields: limitIdFields(id),
  }
}

/**
 * Whether `mode` lets a failure be reported on this session at all: never without a TLS session
 * (there is no channel), and in the default mode only when the server is authenticated. Pure.
 */
export function inBandAllowed(mode: InBandMode, o: Observation): boolean {
  if (mode === 'never' || o.tls === undefined || o.transport === 'plaintext') return false
  return mode === 'spec' || o.serverAuthenticated
}

/**
 * The failure report for a refused session, or null when nothing may or need be sent: the mode forbids
 * it, or no latched tag and no saved directive failed (e.g. only an SPKI pin or the TLS floor did).
 * The lines carry name, version and the failure only. Pure.
 */
export function buildFailureInBand(mode: InBandMode, input: InBandInput, o: Observation): InBand | null {
  if (!inBandAllowed(mode, o)) return null
  const c = input.commitment
  const latchFail = failedLatches(c, o)
  const policyFail = failedDirectives(c, o)
  if (latchFail.length === 0 && policyFail === '') return null
  const who = identity(input.client)
  const id: Record<string, string> = idIdentity(input.client)
  if (latchFail.length > 0) id['latch-fail'] = latchFail.join(' ')
  if (policyFail !== '') id['policy-fail'] = policyFail
  return {
    client04: latchFail.length === 0 ? undefined : renderClient04({ ...who, latchFail }),
    client05: policyFail === '' ? undefined : renderClient05({ ...who, policyFail }),
    idFields: limitIdFields(id),
  }
}

function listed(caps: readonly string[], name: string): boolean {
  return caps.some((cap) => cap.toUpperCase() === name)
}

/**
 * The ID fields to send to an IMAP server with these post-TLS capabilities, or undefined when none
 * may be: only where `ID` is listed (RFC 2971), the -04 fields only where `DEEP` is listed too, the
 * -05 fields only where `STS` is (-05 §9.1). Pure.
 */
export function idFieldsFor(
  fields: Readonly<Record<string, string>>,
  capsAfterTls: readonly string[],
): Record<string, string> | undefined {
  if (!listed(capsAfterTls, 'ID')) return undefined
  const deep = listed(capsAfterTls, 'DEEP')
  const sts = listed(capsAfterTls, 'STS')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(fields)) {
    if (ID_FIELDS_04.includes(k) && !deep) continue
    if (ID_FIELDS_05.includes(k) && !sts) continue
    out[k] = v
  }
  return out
}

/** True when these ID fields carry a failure (`latch-fail` or `policy-fail`). Pure. */
export function carriesFailure(fields: Readonly<Record<string, string>> | undefined): boolean {
  return fields !== undefined && FAILURE_FIELDS.some((f) => f in fields)
}
