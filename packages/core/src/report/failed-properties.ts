// Which saved properties a connection failed, in the vocabulary of each draft: the registered DEEP -04
// tags the client had latched (for `latch-fail`, -04 §7.1) and the saved -05 directives (for
// `policy-fail`, -05 §9.1). Judged from what the session achieved, never from the violation list: a
// violation's `tag` mixes both drafts (a failed `tls-cert=pkix+dane` directive is tagged `tls-cert`,
// which names a latch only if that tag was latched). SPKI pins are ours, not DEEP's, so a pin failure
// appears in neither list.
import type { Commitment } from '../model/commitment.js'
import type { Observation } from '../model/observation.js'
import { meetsTag, meetsTlsCert, meetsTlsVersion } from '../model/session-meets.js'
import { KNOWN_TAGS, type KnownTag } from '../model/tags.js'

/**
 * The registered tags latched for this host that this session did not achieve, in registry order
 * (-04 §11.2: tls11, tls12, tls-cert, tls-dane-tlsa). Unregistered latches never appear. Pure.
 */
export function failedLatches(c: Commitment, o: Observation): KnownTag[] {
  return KNOWN_TAGS.filter((t) => c.latches.includes(t) && !meetsTag(t, o))
}

/** The -05 directive list of the saved directives this session did not achieve ("" when none). Pure. */
export function failedDirectives(c: Commitment, o: Observation): string {
  const parts: string[] = []
  const v = c.directives.tlsVersion
  if (v !== undefined && !meetsTlsVersion(v, o)) parts.push(`tls-version=${v}`)
  const cert = c.directives.tlsCert
  if (cert !== undefined && !meetsTlsCert(cert, o)) parts.push(`tls-cert=${cert}`)
  return parts.join('; ')
}
